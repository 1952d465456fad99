namespace Datalyptica.Contracts;

/// <summary>The user and group a component's service runs as, and who creates them.</summary>
public sealed record ServiceAccount(string User, string Group, bool CreatedByPackage, string Description)
{
    /// <summary>
    /// A user a Debian package creates in its maintainer scripts (Debian policy 9.2.1): we keep its name and never
    /// re-create it, so the package's UID and home stay authoritative.
    /// </summary>
    public static ServiceAccount FromPackage(string user, string why) => new(user, user, true, why);

    /// <summary>A system user we create with systemd-sysusers (components installed from artifacts), with a group of the same name.</summary>
    public static ServiceAccount Own(string user, string description) => new(user, user, false, description);
}
