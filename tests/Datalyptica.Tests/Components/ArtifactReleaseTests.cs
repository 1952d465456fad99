using Datalyptica.Components;
using Datalyptica.Components.Trino;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Profiles;
using Datalyptica.Rendering;

namespace Datalyptica.Tests.Components;

/// <summary>
/// Every artifact component declares, in its folder, the upstream release of its pinned version: https on the upstream's
/// own host, a checksum file upstream publishes, and the programs its units start.
/// </summary>
public class ArtifactReleaseTests
{
    /// <summary>Python applications install from wheels, not from one release file; their install path is other work.</summary>
    private static readonly HashSet<string> PythonApps = ["airflow", "superset", "mlflow", "jupyterhub"];

    /// <summary>The upstream host each artifact's file and checksum come from (the release page each manifest cites).</summary>
    private static readonly Dictionary<string, (string File, string Checksum)> UpstreamHosts = new()
    {
        ["kafka"] = ("archive.apache.org", "archive.apache.org"),
        ["flink"] = ("archive.apache.org", "archive.apache.org"),
        ["spark"] = ("archive.apache.org", "archive.apache.org"),
        ["trino"] = ("repo1.maven.org", "repo1.maven.org"),
        ["jdk"] = ("github.com", "github.com"),
        ["clickhouse"] = ("packages.clickhouse.com", "packages.clickhouse.com"),
        ["keycloak"] = ("github.com", "github.com"),
        ["nessie"] = ("github.com", "repo1.maven.org"),
        ["grafana"] = ("dl.grafana.com", "dl.grafana.com"),
        ["loki"] = ("github.com", "github.com"),
        ["alloy"] = ("github.com", "github.com"),
        ["schema_registry"] = ("packages.confluent.io", "packages.confluent.io"),
    };

    public static TheoryData<string> ArtifactComponents() =>
        new(ComponentCatalog.All.Where(c => c.Install == InstallSource.Artifact && !PythonApps.Contains(c.Id)).Select(c => c.Id));

    [Theory]
    [MemberData(nameof(ArtifactComponents))]
    public void Its_pinned_version_has_a_release_manifest_on_the_expected_upstream_host(string id)
    {
        var component = ComponentCatalog.Find(id)!;
        var release = component.Releases.SingleOrDefault(r => r.Version == component.DefaultVersion);
        release.ShouldNotBeNull($"{id} {component.DefaultVersion} has no release manifest: add one to Components/<Name>/<Name>Release.cs");
        release.Artifact.ShouldBe(id);
        foreach (var r in component.Releases.Concat(component.Runtimes))
        {
            var (fileHost, checksumHost) = UpstreamHosts[r.Artifact];
            var url = new Uri(r.Url);
            var checksum = new Uri(r.Checksum.Url);
            url.Scheme.ShouldBe("https", r.Url);
            checksum.Scheme.ShouldBe("https", r.Checksum.Url);
            url.Host.ShouldBe(fileHost, r.Url);
            checksum.Host.ShouldBe(checksumHost, r.Checksum.Url);
            // The URL carries the version (Temurin writes 23.0.2+7 as 23.0.2_7; Loki's file name has none, its release path does).
            r.Url.ShouldContain(r.Version.Replace('+', '_'));
            (r.ChecksumFileName.StartsWith(r.FileName, StringComparison.Ordinal) || r.ChecksumFileName.EndsWith("SUMS", StringComparison.Ordinal)).ShouldBeTrue(r.Checksum.Url);
            r.ApproximateMb.ShouldBeGreaterThan(0);
            r.EntryPrograms.ShouldNotBeEmpty();
            r.EntryPrograms.ShouldAllBe(p => !p.StartsWith('/') && !p.Contains(".."));
            if (r.Format == ArchiveFormat.TarGz) r.StripComponents.ShouldBeInRange(1, 3);
            else r.InstallAs.ShouldNotBeNull();
        }
    }

    [Fact]
    public void Python_apps_are_the_only_artifact_components_without_a_manifest()
    {
        ComponentCatalog.All.Where(c => c.Install == InstallSource.Artifact && c.Releases.All(r => r.Version != c.DefaultVersion))
            .Select(c => c.Id).Order().ShouldBe(PythonApps.Order());
        ComponentCatalog.All.Where(c => c.Install != InstallSource.Artifact).ShouldAllBe(c => c.Releases.Count == 0 && c.Runtimes.Count == 0);
    }

    /// <summary>Every program a rendered unit starts from /opt/datalyptica/ARTIFACT/current is one its release declares.</summary>
    [Fact]
    public void Units_start_only_programs_their_release_declares()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Production, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        var releases = ComponentCatalog.All.SelectMany(c => c.Releases.Where(r => r.Version == c.DefaultVersion).Concat(c.Runtimes))
            .ToDictionary(r => r.Artifact);
        var started = SiteRenderer.Render(site).SelectMany(h => h.Files).Where(f => f.Kind == FileKind.SystemdUnit)
            .SelectMany(f => f.Content.Split('\n').Where(l => l.StartsWith("ExecStart=", StringComparison.Ordinal)))
            .Select(l => l["ExecStart=".Length..].Split(' ')[0].TrimStart('-', '+', '!', '@'))
            .Where(p => p.StartsWith(PlatformPaths.InstallRoot + "/", StringComparison.Ordinal)).Distinct().ToList();
        started.ShouldNotBeEmpty();
        foreach (var program in started)
        {
            var parts = program[(PlatformPaths.InstallRoot.Length + 1)..].Split('/', 3); // ARTIFACT/current/PATH
            parts[1].ShouldBe("current", program);
            if (PythonApps.Contains(parts[0])) continue;
            releases.ShouldContainKey(parts[0], program);
            releases[parts[0]].EntryPrograms.ShouldContain(parts[2], program);
        }
    }

    [Fact]
    public void Trino_hosts_install_the_jdk_23_their_unit_points_java_home_at()
    {
        TrinoRelease.Jdk23.Version.Split('.')[0].ShouldBe("23");
        TrinoRenderer.JdkHome.ShouldBe(PlatformPaths.Current(TrinoRelease.Jdk23.Artifact));
        var site = ProfileExpander.Expand(BuiltInProfiles.Development, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        var rendered = SiteRenderer.Render(site);
        var desired = DesiredStateBuilder.Build(site, rendered, ArtifactCatalog.Empty);
        var trinoHosts = site.Hosts.Where(h => h.Has(TrinoComponent.Coordinator) || h.Has(TrinoComponent.Worker)).Select(h => h.Name).ToHashSet();
        trinoHosts.ShouldNotBeEmpty();
        foreach (var host in desired)
        {
            var artifacts = host.Resources.Select(r => r.Resource).OfType<ArtifactResource>().Select(a => (a.Component, a.Version)).ToList();
            if (trinoHosts.Contains(host.Host))
            {
                artifacts.ShouldContain(("jdk", TrinoRelease.Jdk23.Version));
                artifacts.ShouldContain(("trino", "469"));
                // The JDK comes before the Trino unit that needs it.
                var ids = host.Resources.Select(r => r.Resource.Id).ToList();
                ids.IndexOf("artifact:jdk").ShouldBeLessThan(ids.FindIndex(i => i.StartsWith("service:trino", StringComparison.Ordinal)));
            }
            else artifacts.ShouldNotContain(a => a.Component == "jdk");
        }
        rendered.SelectMany(h => h.Files).Where(f => f.Path == PlatformPaths.Unit(TrinoRenderer.UnitName))
            .ShouldAllBe(f => f.Content.Contains($"JAVA_HOME={PlatformPaths.Current("jdk")}"));
    }
}
