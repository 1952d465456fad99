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

    private const string PublicKey = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ...\n-----END PGP PUBLIC KEY BLOCK-----\n";

    [Fact]
    public void The_offline_repository_is_never_written_into_etc_apt_and_needs_the_site_key()
    {
        var source = AptSource.OfflineRepository(Bridge, PublicKey);
        Should.Throw<ArgumentException>(() => AptSourceRenderer.Render(source));
        var transient = AptSourceRenderer.Transient(source);
        transient.Directory.ShouldBe(AptSourceRenderer.TransientDirectory);
        transient.Directory.ShouldStartWith("/run/");
        // The list names the key by path (signed-by) and keeps apt's date checks: no trusted=yes, no check-date=no.
        transient.Prepare.Raw.ShouldContain("deb [signed-by=/run/datalyptica-apt/repository.asc] http://10.77.0.1:8080/ ./");
        transient.Prepare.Raw.ShouldContain(PublicKey);
        transient.Prepare.Raw.ShouldNotContain("trusted=");
        transient.Prepare.Raw.ShouldNotContain("check-");
        transient.Options.ShouldContain("Dir::Etc::SourceParts=/run/datalyptica-apt/sources.list.d");
        transient.Options.ShouldContain("Acquire::http::Proxy::10.77.0.1=DIRECT");
        transient.Options.ShouldNotContain(o => o.Contains("/etc/apt", StringComparison.Ordinal));
        transient.Cleanup.Raw.ShouldBe("rm -rf /run/datalyptica-apt");

        var e = Should.Throw<InvalidOperationException>(() => AptSourceRenderer.Transient(AptSource.OfflineRepository(Bridge, null)));
        e.Message.ShouldContain("vault password");
    }

    [Fact]
    public async Task The_transient_source_is_written_readable_for_apt_and_removed_by_its_cleanup()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dl-transient-" + Guid.NewGuid().ToString("N")[..8]);
        var hostile = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n'$(touch " + dir + ".pwned)'\n-----END PGP PUBLIC KEY BLOCK-----\n";
        var transient = AptSourceRenderer.Transient(AptSource.OfflineRepository(Bridge, hostile), dir);
        try
        {
            (await Sh("umask 077; " + transient.Prepare.Raw)).ShouldBe(0);
            File.ReadAllText(Path.Combine(dir, "repository.asc")).ShouldBe(hostile);
            File.Exists(dir + ".pwned").ShouldBeFalse();
            // apt fetches and verifies as its unprivileged _apt user: the folder and files must be readable by others.
            File.GetUnixFileMode(Path.Combine(dir, "repository.asc")).ShouldBe((UnixFileMode)0b110_100_100);
            File.GetUnixFileMode(Path.Combine(dir, "sources.list")).ShouldBe((UnixFileMode)0b110_100_100);
            File.GetUnixFileMode(dir).ShouldBe((UnixFileMode)0b111_101_101);
            (await Sh(transient.Cleanup.Raw)).ShouldBe(0);
            Directory.Exists(dir).ShouldBeFalse();
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void A_site_mirror_replaces_the_served_repository()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Development);
        AptSource.For(site, Bridge).IsOfflineRepository.ShouldBeTrue();
        AptSource.For(site with { RepositoryKey = PublicKey }, Bridge).SigningKey.ShouldBe(PublicKey);
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
        AptSourceRenderer.AptConfig().ShouldContain("APT::Install-Recommends \"false\";");
        AptSourceRenderer.Render(source).Select(f => f.Path).ShouldBe([AptSourceRenderer.ListPath, AptSourceRenderer.MainSourcesList, AptSourceRenderer.ConfigPath]);
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
            foreach (var p in c.PackagesFor(site)) packages.ShouldContain(p, c.Id);
        packages.ShouldBeSubsetOf(RepositoryPackageSet.All());
        // JupyterHub installs from its artifact there: Debian's jupyterhub stays out of the set, while the lab installs it.
        packages.ShouldNotContain("jupyterhub");
        RepositoryPackageSet.For(ProfileExpander.Expand(BuiltInProfiles.LabWithJupyterHub)).ShouldContain("jupyterhub");
        RepositoryPackageSet.For(ProfileExpander.Expand(BuiltInProfiles.Lab)).ShouldNotContain("jupyterhub");
        Datalyptica.Lab.LabRepository.Packages.ShouldContain("jupyterhub"); // one lab repository serves both variants
        RepositoryPackageSet.All().ShouldContain("jupyterhub");
    }
}
