using Datalyptica.Components;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components;

/// <summary>
/// Helpers for the application-tier renderers (ClickHouse, Airflow, JupyterHub, MLflow, Superset, Grafana, Loki,
/// Keycloak). None of these can be installed on this machine (no release archive in Debian, NuGet or npm), so their tests parse the rendered
/// files back and check cross-references; Python configs are compiled with the real python3.
/// </summary>
internal static class AppTests
{
    public static IEnumerable<RenderedSite> Sites => [RenderedSites.Development, RenderedSites.Staging, RenderedSites.Production];

    public static IEnumerable<(Host Host, RenderedFile File)> Files(this RenderedSite site, string path) => site.FilesAt(path);

    public static IEnumerable<(Host Host, RenderedFile File)> FilesOf(this RenderedSite site, string component) =>
        site.AllFiles.Where(x => x.File.Component == component);

    /// <summary>Every file of the component that holds a placeholder is not world-readable and names only declared vault variables.</summary>
    public static void SecretsArePlaceholdersInPrivateFiles(RenderedSite site, string component, params string[] mustAppear)
    {
        var declared = site.Site.Components.SelectMany(c => c.SecretKeys)
            .Concat(site.Site.ObjectStore is { } s ? [s.AccessKey.VarName, s.SecretKey.VarName] : []).ToHashSet();
        var seen = new HashSet<string>();
        foreach (var (host, file) in site.FilesOf(component))
        {
            var names = SecretPlaceholder.Find(file.Content).ToList();
            if (names.Count > 0) (file.Mode & UnixFileMode.OtherRead).ShouldBe((UnixFileMode)0, $"{host.Name}:{file.Path}");
            foreach (var n in names) { declared.ShouldContain(n, $"{host.Name}:{file.Path}"); seen.Add(n); }
            file.Content.ShouldNotContain("dummy-", customMessage: "rendered files hold placeholders, never values");
            if (file.Kind == FileKind.SystemdUnit) names.ShouldBeEmpty($"{host.Name}:{file.Path}: units are world-readable");
        }
        foreach (var n in mustAppear) seen.ShouldContain(n);
    }

    /// <summary>Runs python3 -m py_compile on the file as it will be on the host (placeholders replaced by dummies).</summary>
    public static void PyCompiles(IEnumerable<RenderedFile> hostFiles, string path)
    {
        using var root = new HostRoot(hostFiles);
        var result = Tool.Run("python3", ["-B", "-m", "py_compile", root.PathOf(path)]);
        result.ExitCode.ShouldBe(0, $"{path}: {result.Output}");
    }

    public static RenderedSite WithVars(Site site, params (string Key, object Value)[] vars)
    {
        var merged = site.Vars.ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (k, v) in vars) merged[k] = new Setting(v, null);
        var changed = site with { Vars = merged };
        return new RenderedSite(changed, SiteRenderer.Render(changed));
    }

    /// <summary>The component renders over the 1,000-host site (its speed is measured in bench/, not asserted here).</summary>
    public static void RendersOnThousandHosts(string componentId)
    {
        var rendered = SiteRenderer.Render(RenderedSites.Generated1000.Site, componentId: componentId);
        rendered.SelectMany(h => h.Files).ShouldContain(f => f.Component == componentId);
    }

    public static string Addr(Host h) => h.Address.ToString();
}
