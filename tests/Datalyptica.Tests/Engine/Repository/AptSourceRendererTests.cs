using System.Diagnostics;
using System.Net;
using Datalyptica.Components;
using Datalyptica.Engine.Repository;
using Datalyptica.Model;
using Datalyptica.Profiles;

namespace Datalyptica.Tests.Engine.Repository;

public class AptSourceRendererTests
{
    private static readonly IPEndPoint Bridge = new(IPAddress.Parse("10.77.0.1"), 8080);

    [Fact]
    public void The_offline_repository_is_the_only_source_and_recommends_are_off()
    {
        var files = AptSourceRenderer.Render(AptSource.OfflineRepository(Bridge)).ToDictionary(f => f.Path);
        files.Keys.ShouldBe([AptSourceRenderer.ListPath, AptSourceRenderer.MainSourcesList, AptSourceRenderer.ConfigPath], ignoreOrder: true);
        files[AptSourceRenderer.ListPath].Content.Split('\n').Where(l => l.StartsWith("deb ")).ShouldBe(["deb [trusted=yes check-date=no] http://10.77.0.1:8080/ ./"]);
        files[AptSourceRenderer.MainSourcesList].Content.Split('\n').ShouldAllBe(l => l.Length == 0 || l.StartsWith('#'));
        var conf = files[AptSourceRenderer.ConfigPath].Content;
        conf.ShouldContain("APT::Install-Recommends \"false\";");
        conf.ShouldContain("Acquire::Retries \"5\";");
        conf.ShouldContain("Acquire::http::Proxy::10.77.0.1 \"DIRECT\";");
        files.Values.ShouldAllBe(f => f.Owner == "root" && f.Mode == Datalyptica.Contracts.Rendering.Modes.Public);
    }

    [Fact]
    public void A_site_mirror_replaces_the_served_repository()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Development);
        AptSource.For(site, Bridge).IsOfflineRepository.ShouldBeTrue();
        var vars = new Dictionary<string, Setting>(site.Vars)
        {
            [AptSource.MirrorUrlKey] = new("http://mirror.corp.example/debian", null),
            [AptSource.MirrorSecurityUrlKey] = new("http://mirror.corp.example/debian-security", null),
        };
        var source = AptSource.For(site with { Vars = vars }, Bridge);
        source.IsOfflineRepository.ShouldBeFalse();
        var list = AptSourceRenderer.SourceList(source).Split('\n').Where(l => l.StartsWith("deb ")).ToList();
        list.ShouldBe([
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.corp.example/debian/ bookworm main",
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.corp.example/debian/ bookworm-updates main",
            "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.corp.example/debian-security/ bookworm-security main",
        ]);
        AptSourceRenderer.AptConfig(source).ShouldNotContain("DIRECT");
        Should.Throw<ArgumentException>(() => AptSource.Mirror("ftp://x y")).Message.ShouldContain(AptSource.MirrorUrlKey);
    }

    [Fact]
    public async Task Other_sources_are_moved_aside_once_and_ours_stays()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dl-sources-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var name in new[] { "debian.sources", "google.list", "datalyptica.list", "old.list.disabled", "notes.txt" })
                File.WriteAllText(Path.Combine(dir, name), name);
            (await Sh(AptSourceRenderer.OtherSourcesActive(dir).Raw)).ShouldBe(0);
            (await Sh(AptSourceRenderer.DisableOtherSources(dir).Raw)).ShouldBe(0);
            Directory.EnumerateFiles(dir).Select(Path.GetFileName).Order().ShouldBe(
                ["datalyptica.list", "debian.sources.disabled", "google.list.disabled", "notes.txt", "old.list.disabled"]);
            File.ReadAllText(Path.Combine(dir, "debian.sources.disabled")).ShouldBe("debian.sources");
            // The guard now says there is nothing to do, and running the command again changes nothing.
            (await Sh(AptSourceRenderer.OtherSourcesActive(dir).Raw)).ShouldBe(1);
            (await Sh(AptSourceRenderer.DisableOtherSources(dir).Raw)).ShouldBe(0);
            Directory.EnumerateFiles(dir).Count().ShouldBe(5);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static async Task<int> Sh(string command)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var p = Process.Start(start)!;
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        return p.ExitCode;
    }
}

public class RepositoryPackageSetTests
{
    [Fact]
    public void A_site_needs_the_os_base_and_each_deployed_components_packages()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Production);
        var packages = RepositoryPackageSet.For(site);
        packages.ShouldBe(packages.Distinct().Order(StringComparer.Ordinal).ToList());
        foreach (var p in OsBase.DebianPackages) packages.ShouldContain(p);
        foreach (var c in site.Components)
            foreach (var p in c.DebianPackages) packages.ShouldContain(p, c.Id);
        packages.ShouldBeSubsetOf(RepositoryPackageSet.All());
    }
}
