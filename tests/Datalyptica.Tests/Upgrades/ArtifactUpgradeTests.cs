using Datalyptica.Components;
using Datalyptica.Components.Trino;
using Datalyptica.Contracts;
using Datalyptica.Engine.Artifacts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Rendering;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;
using Datalyptica.Tests.Engine.Artifacts;
using Datalyptica.Upgrades;

namespace Datalyptica.Tests.Upgrades;

/// <summary>
/// The artifact side of `upgrade` without hosts: what the upgrade refuses, the store taking the next release with
/// `artifacts import --release`, the member's part of the plan at the new version (its artifact beside the old one and
/// nothing of another component), and the site recording the version in datalyptica_versions. The lab proof of the
/// rolling run itself (a member rolled back, the rest untouched, resumed, rolled back as a whole) is in
/// LabStandInEndToEndTests.
/// </summary>
public class ArtifactUpgradeTests
{
    private static readonly Datalyptica.Contracts.ComponentDefinition Trino = ComponentCatalog.Get("trino");

    /// <summary>A development site whose store holds every release it needs, and Trino 470 when <paramref name="with470"/>.</summary>
    private static string SiteWithStore(SiteFixture fixture, bool with470)
    {
        var site = fixture.Init("development", "site");
        var needs = SiteArtifactNeeds.For(SiteLoader.Load(site).Site!);
        var downloads = fixture.PathOf("downloads");
        foreach (var r in needs.Needed.Select(n => n.Release).Append(TrinoRelease.V470))
        {
            var folder = Path.Combine(downloads, r.Artifact);
            Directory.CreateDirectory(folder);
            var content = ArtifactTestKit.TarGz(r.TopFolder.Length > 0 ? r.TopFolder : r.Artifact);
            File.WriteAllBytes(Path.Combine(folder, r.FileName), content);
            File.WriteAllText(Path.Combine(folder, r.ChecksumFileName), ArtifactTestKit.ChecksumFile(content, r.FileName, r.Checksum));
        }
        var import = CliRunner.Run(with470 ? ["artifacts", "import", site, "--from", downloads, "--release", "trino=470"] : ["artifacts", "import", site, "--from", downloads]);
        import.ExitCode.ShouldBe(0, import.ToString());
        return site;
    }

    [Fact]
    public void The_next_release_is_stored_with_release_and_the_members_plan_at_it_holds_only_the_components_own_resources()
    {
        using var fixture = new SiteFixture();
        var siteDir = SiteWithStore(fixture, with470: true);
        File.Exists(Path.Combine(siteDir, "artifacts", "trino", "470", TrinoRelease.V470.FileName)).ShouldBeTrue("--release stores 470 beside 469");
        var site = SiteLoader.Load(siteDir).Site!;

        var upgraded = ArtifactUpgrade.At(site, Trino, "470");
        upgraded.Versions["trino"].ShouldBe("470");
        site.Versions["trino"].ShouldBe("469", "the site itself is not changed until every member runs 470");

        var host = upgraded.Hosts.First(h => Trino.Roles.Any(h.Has));
        var desired = DesiredStateBuilder.Build(upgraded, SiteRenderer.Render(upgraded, host.Name), ArtifactCatalog.FromSite(upgraded)).Single();
        var own = ArtifactUpgrade.Own(desired, Trino).Resources.Select(r => r.Resource).ToList();
        own.ShouldAllBe(r => r.Component == "trino" || r.Component == TrinoRelease.JdkArtifact);
        own.ShouldContain(r => r is SystemdServiceResource);
        var artifact = own.OfType<ArtifactResource>().Single(a => a.Component == "trino");
        artifact.Version.ShouldBe("470");
        artifact.InstallDirectory.ShouldBe("/opt/datalyptica/trino/470");
        artifact.Source.ShouldNotBeNull("470 comes from the store");
        desired.Resources.Count.ShouldBeGreaterThan(own.Count, "the host runs other components, which the upgrade leaves alone");
    }

    [Fact]
    public void A_release_not_in_the_store_a_release_without_a_manifest_and_a_site_built_artifact_are_refused_with_the_fix()
    {
        using var fixture = new SiteFixture();
        var siteDir = SiteWithStore(fixture, with470: false);
        var site = SiteLoader.Load(siteDir).Site!;

        Should.Throw<UpgradeRefusedException>(() => ArtifactUpgrade.At(site, Trino, "470"))
            .Message.ShouldContain("artifacts fetch SITE --release trino=470");
        var unknown = Should.Throw<UpgradeRefusedException>(() => ArtifactUpgrade.At(site, Trino, "471")).Message;
        unknown.ShouldContain("no release manifest of trino 471");
        unknown.ShouldContain("469, 470");
        Should.Throw<UpgradeRefusedException>(() => ArtifactUpgrade.Release(site, ComponentCatalog.Get("airflow"), "2.10.5"))
            .Message.ShouldContain("built by the site");

        var refused = CliRunner.Run("artifacts", "fetch", siteDir, "--release", "trino=471");
        refused.ExitCode.ShouldNotBe(0);
        refused.ToString().ShouldContain("it knows 469, 470");
        CliRunner.Run("artifacts", "fetch", siteDir, "--release", "trino").ToString().ShouldContain("not COMPONENT=VERSION");
    }

    [Fact]
    public void A_site_that_names_the_archive_itself_is_refused_because_one_url_cannot_hold_two_versions()
    {
        using var fixture = new SiteFixture();
        var siteDir = fixture.Init("development", "site");
        var all = Path.Combine(siteDir, "group_vars", "all.yml");
        File.AppendAllText(all, $"\ndatalyptica_artifacts:\n  trino:\n    url: https://mirror.example.com/trino-server-469.tar.gz\n    sha512: {new string('a', 128)}\n");
        var site = SiteLoader.Load(siteDir).Site!;
        Should.Throw<UpgradeRefusedException>(() => ArtifactUpgrade.At(site, Trino, "470")).Message.ShouldContain("datalyptica_artifacts.trino");
    }

    [Theory]
    [InlineData("/opt/datalyptica/trino/470", "470")]
    [InlineData("/opt/datalyptica/trino/470/", "470")]
    [InlineData("/opt/datalyptica/kafka/3.9.0", null)]
    [InlineData("/opt/datalyptica/trino/470/bin", null)]
    [InlineData("/srv/trino", null)]
    [InlineData(null, null)]
    public void The_running_version_is_the_folder_current_points_at(string? target, string? version) =>
        ArtifactUpgrade.VersionOf("trino", target).ShouldBe(version);

    [Fact]
    public void The_version_is_recorded_on_its_own_line_keeping_the_rest_of_the_file_and_reads_back()
    {
        using var fixture = new SiteFixture();
        var siteDir = fixture.Init("development", "site");
        var all = Path.Combine(siteDir, "group_vars", "all.yml");
        File.WriteAllText(all, File.ReadAllText(all).Replace("datalyptica_versions:", "# our pins\ndatalyptica_versions:  # reviewed"));
        var before = File.ReadAllLines(all);
        var site = SiteLoader.Load(siteDir).Site!;

        var written = VersionRecord.Record(siteDir, site, "trino", "470", dir => SiteLoader.Load(dir).Site?.Versions["trino"]);
        written.ShouldEndWith(Path.Combine("group_vars", "all.yml"));
        var after = File.ReadAllLines(all);
        after.Length.ShouldBe(before.Length);
        after.Zip(before).Count(p => p.First != p.Second).ShouldBe(1, "only the trino line changes");
        after.ShouldContain("  trino: '470'");
        after.ShouldContain("datalyptica_versions:  # reviewed");
        SiteLoader.Load(siteDir).Site!.Versions["trino"].ShouldBe("470");
    }

    [Fact]
    public void A_missing_entry_or_mapping_is_added_and_a_flow_mapping_is_left_to_the_user()
    {
        VersionRecord.Edit("datalyptica_versions:\n    kafka: 3.9.0\n", "trino", "470").ShouldBe("datalyptica_versions:\n    trino: '470'\n    kafka: 3.9.0\n");
        VersionRecord.Edit("datalyptica_environment: lab\n", "trino", "470").ShouldBe("datalyptica_environment: lab\ndatalyptica_versions:\n  trino: '470'\n");
        VersionRecord.Edit("datalyptica_versions:\n  'trino': 469\nnext: 1\n", "trino", "470").ShouldBe("datalyptica_versions:\n  trino: '470'\nnext: 1\n");
        VersionRecord.Edit("datalyptica_versions: {trino: 469}\n", "trino", "470").ShouldBeNull("a flow mapping is the user's to edit");
    }

    [Fact]
    public void A_write_that_does_not_read_back_is_undone()
    {
        using var fixture = new SiteFixture();
        var siteDir = fixture.Init("development", "site");
        var all = Path.Combine(siteDir, "group_vars", "all.yml");
        var before = File.ReadAllText(all);
        var site = SiteLoader.Load(siteDir).Site!;
        var refused = Should.Throw<InvalidOperationException>(() => VersionRecord.Record(siteDir, site, "trino", "470", _ => "469"));
        refused.Message.ShouldContain("put back");
        refused.Message.ShouldContain("datalyptica_versions.trino: '470' by hand");
        File.ReadAllText(all).ShouldBe(before);
    }
}
