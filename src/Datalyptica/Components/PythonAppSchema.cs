using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components;

/// <summary>
/// The database step a Python application (Airflow, Superset, MLflow) needs once per version before its servers can use
/// the shared metadata database: <c>airflow db migrate</c>, <c>superset db upgrade</c> + <c>superset init</c>,
/// <c>mlflow db upgrade</c>. Declared by each component's lifecycle as a <see cref="GuardedCommand"/>:
/// <list type="bullet">
/// <item>on ONE member: the first host of the component's role in inventory order (<see cref="GuardedCommand.OnOneMemberOf"/>), so two hosts
/// never migrate the same schema at once;</item>
/// <item>once per version: guarded by a stamp file holding the version it last ran for (<see cref="StampPath"/>, in the
/// component's root-owned install folder, so a service account cannot plant a link there); the stamp is written only when
/// the step succeeded, so a failed migration runs again on the next apply, and an upgrade (a new version) runs it again;</item>
/// <item>as the service account, with that version's own virtualenv (<c>/opt/datalyptica/&lt;c&gt;/&lt;version&gt;/bin</c>),
/// reading the database URL (it holds a password) from the component's rendered 0640 configuration on the host: never
/// from argv or the plan.</item>
/// </list>
/// </summary>
public static class PythonAppSchema
{
    public const string StampName = ".datalyptica-schema-version";

    /// <summary>/opt/datalyptica/&lt;component&gt;/.datalyptica-schema-version: the version whose schema step last succeeded.</summary>
    public static string StampPath(string component) => $"{PlatformPaths.InstallRoot}/{component}/{StampName}";

    /// <summary>The version the site pins for <paramref name="component"/>.</summary>
    public static string Version(Site site, ComponentDefinition component) => site.Versions.GetValueOrDefault(component.Id, component.DefaultVersion);

    /// <summary>A program in that version's virtualenv.</summary>
    public static string Bin(string component, string version, string program) => $"{PlatformPaths.Install(component, version)}/bin/{program}";

    /// <summary>
    /// The guarded step, on the first member of <paramref name="role"/> before the component's services
    /// (<see cref="GuardedCommand.OncePerVersion"/>): <paramref name="steps"/> each run as <paramref name="user"/> (runuser;
    /// the environment given is not secret), then the stamp. The guard reads the stamp only.
    /// </summary>
    public static GuardedCommand OncePerVersion(string name, string component, string version, string user, string what,
        IReadOnlyList<(string Name, string Value)> environment, RoleDefinition role, params string[] steps)
    {
        var env = string.Concat(environment.Select(e => $" {e.Name}={RemoteCommand.Quote(e.Value)}"));
        var run = string.Join(" && ", steps.Select(s => $"runuser -u {user} -- env{env} {s}"));
        return GuardedCommand.OncePerVersion(name, run, StampPath(component), version, role) with
        {
            UnlessFailed = $"{what} has not run for {component} {version} ({StampPath(component)})",
        };
    }
}
