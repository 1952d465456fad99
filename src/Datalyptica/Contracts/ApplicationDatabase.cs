using System.Text.RegularExpressions;

namespace Datalyptica.Contracts;

/// <summary>
/// A database and its login role that a component needs in the site's Patroni cluster. The component declares it
/// (<see cref="ComponentDefinition.ApplicationDatabases"/>) and its renderer connects with exactly these names; apply creates
/// both on the Patroni leader, the role's password from the vault variable <see cref="PasswordSecretKey"/> stored as a
/// SCRAM-SHA-256 verifier, the database owned by the role, CONNECT revoked from PUBLIC and granted to the role, and pg_hba
/// admits the role to its database from the component's hosts and HAProxy's (docs/SECURITY.md, "Application databases
/// and roles").
/// </summary>
public sealed partial record ApplicationDatabase
{
    public ApplicationDatabase(string database, string role, string passwordSecretKey)
    {
        // Names land in SQL, pg_hba.conf and URLs: lower-case SQL names only (the settings that set them use the same
        // pattern, so validate refuses a bad value before it gets here).
        if (!SettingPatterns.SqlName.IsMatch(database)) throw new ArgumentException($"database '{database}' is not {SettingPatterns.SqlNameText}", nameof(database));
        if (!SettingPatterns.SqlName.IsMatch(role)) throw new ArgumentException($"role '{role}' is not {SettingPatterns.SqlNameText}", nameof(role));
        if (!VaultName().IsMatch(passwordSecretKey)) throw new ArgumentException($"'{passwordSecretKey}' is not a vault variable (vault_...)", nameof(passwordSecretKey));
        Database = database;
        Role = role;
        PasswordSecretKey = passwordSecretKey;
    }

    public string Database { get; }
    public string Role { get; }
    /// <summary>The vault variable holding the role's password (also named in the component's SecretKeys).</summary>
    public string PasswordSecretKey { get; }

    [GeneratedRegex("^vault_[A-Za-z0-9_]+$")]
    private static partial Regex VaultName();
}
