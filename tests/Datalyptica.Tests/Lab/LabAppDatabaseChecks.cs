using Datalyptica.Components.HAProxy;
using Datalyptica.Components.Patroni;
using Datalyptica.Contracts;
using Datalyptica.Model;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Npgsql;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// For the HA-core lab end-to-end test, after apply: every application role the site declares logs in to its own database
/// through the front-door VIP on HAProxy's postgres_primary port (where the applications connect, AppPlatform.PostgresUrl),
/// with its vault password, lands on the leader (not in recovery), and a wrong password is refused. Call it only when
/// <see cref="DeclaresApplications"/> says the site has application databases (the `lab` profile has none today).
/// </summary>
internal static class LabAppDatabaseChecks
{
    /// <summary>The site's application databases, as apply creates them; empty when it deploys no PostgreSQL client.</summary>
    public static IReadOnlyList<AppDatabases.Declared> Declared(string siteDirectory, Secret vaultPassword) =>
        AppDatabases.For(SiteLoader.Load(siteDirectory, () => vaultPassword).Site.ShouldNotBeNull());

    public static bool DeclaresApplications(string siteDirectory, Secret vaultPassword) => Declared(siteDirectory, vaultPassword).Count > 0;

    /// <summary>Logs in as each declared role through the VIP; returns "role@database" for each login, in declaration order.</summary>
    public static async Task<IReadOnlyList<string>> LogInAsEveryApplicationRoleAsync(string siteDirectory, Secret vaultPassword, Action<string> log, CancellationToken cancellation)
    {
        var site = SiteLoader.Load(siteDirectory, () => vaultPassword).Site.ShouldNotBeNull();
        var declared = AppDatabases.For(site);
        declared.ShouldNotBeEmpty("the site declares no application database: guard the call with DeclaresApplications");
        var secrets = SiteWriter.ReadSecrets(siteDirectory, vaultPassword);
        // Where the applications connect: the first front-door VIP, the first HAProxy node's postgres_primary port.
        site.Vips.ShouldNotBeEmpty();
        var vip = site.Vips[0].Address.ToString();
        var port = site.HostsWith(HAProxyComponent.Node).First().Port(HAProxyComponent.PostgresPrimary);
        var logins = new List<string>();
        foreach (var (component, db) in declared)
        {
            NpgsqlConnectionStringBuilder Connection(string password) => new()
            {
                Host = vip, Port = port, Username = db.Role, Database = db.Database, Password = password,
                Timeout = 10, Pooling = false,
            };
            await using (var connection = new NpgsqlConnection(Connection(secrets[db.PasswordSecretKey].Reveal()).ConnectionString))
            {
                await connection.OpenAsync(cancellation);
                await using var command = new NpgsqlCommand("SELECT current_user || '@' || current_database() || ' ' || pg_is_in_recovery()", connection);
                var answer = (string)(await command.ExecuteScalarAsync(cancellation))!;
                answer.ShouldBe($"{db.Role}@{db.Database} false", $"{component.Id} through {vip}:{port}");
            }
            await using (var wrong = new NpgsqlConnection(Connection("not-" + secrets[db.PasswordSecretKey].Reveal()).ConnectionString))
                (await Should.ThrowAsync<PostgresException>(() => wrong.OpenAsync(cancellation))).SqlState.ShouldBe(PostgresErrorCodes.InvalidPassword);
            log($"{component.Id}: {db.Role} logs in to {db.Database} through {vip}:{port} (the leader); a wrong password is refused");
            logins.Add($"{db.Role}@{db.Database}");
        }
        return logins;
    }
}
