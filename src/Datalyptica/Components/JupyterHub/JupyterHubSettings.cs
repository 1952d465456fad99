using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.JupyterHub;

/// <summary>
/// Where JupyterHub comes from, and who logs in when it comes from Debian. Debian 12 packages JupyterHub 3.0.0
/// (https://packages.debian.org/bookworm/jupyterhub) with configurable-http-proxy 4.5.3 (node-configurable-http-proxy)
/// but neither oauthenticator nor systemdspawner, so a Debian-packaged hub logs users in with PAM (JupyterHub's default
/// PAMAuthenticator) and starts their servers with the LocalProcessSpawner, both in the package.
/// </summary>
public static partial class JupyterHubSettings
{
    public const string Artifact = "artifact";
    public const string Debian = "debian";
    /// <summary>The version Debian 12 ships (jupyterhub 3.0.0+ds1-1).</summary>
    public const string DebianVersion = "3.0";

    public static readonly ChoiceSetting Install = new("jupyterhub_install", Artifact, [Artifact, Debian],
        "where JupyterHub comes from: the pinned artifact (5.2, Keycloak login) or Debian 12's package (3.0, PAM login)");

    /// <summary>A POSIX user name useradd accepts on Debian (lower case; no dot, so never read as user.group).</summary>
    [System.Text.RegularExpressions.GeneratedRegex("^[a-z_][a-z0-9_-]{0,31}$")]
    private static partial System.Text.RegularExpressions.Regex UserName { get; }

    public static readonly TextSetting LocalUser = new("jupyterhub_local_user", null,
        "with jupyterhub_install: debian, a local account apply creates on each hub host for PAM login (password: vault_jupyterhub_local_user_password)")
        { Pattern = UserName, PatternDescription = "a user name (a-z, 0-9, '_', '-'; at most 32, starting with a letter or '_')", Example = "analyst" };

    /// <summary>The vault variable of <see cref="LocalUser"/>'s password; only a site that declares the user needs it.</summary>
    public const string LocalUserPasswordKey = "vault_jupyterhub_local_user_password";

    public static readonly IReadOnlyList<SettingSpec> All = [Install, LocalUser];

    public static bool FromDebian(Site site) => Install.Read(site) == Debian;

    /// <summary>The local account for PAM login, when the site installs from Debian and names one.</summary>
    public static string? LocalUserOf(Site site) => FromDebian(site) ? LocalUser.Get(site) : null;
}
