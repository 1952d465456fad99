using System.Diagnostics;
using System.Net;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Diagnostics;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Repository;
using Datalyptica.Engine.Resources;
using Datalyptica.Engine.Transport;
using Datalyptica.Model;
using Datalyptica.Restarts;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Tests.Rendering;
using Datalyptica.Tests.Sites;
using Datalyptica.Upgrades;

namespace Datalyptica.Tests.Upgrades;

public class PackageUpgradeTests
{
    private const string All = "group_vars/all.yml";
    private static Site Production => RenderedSites.Production.Site;

    [Fact]
    public void PostgreSQL_moves_its_server_and_client_together_and_Patroni_restarts_on_the_new_binaries()
    {
        var postgresql = ComponentCatalog.Get("postgresql");
        PackageUpgrade.Packages(Production, postgresql).ShouldBe(["postgresql-16", "postgresql-client-16"]);
        postgresql.UpgradeRestarts.ShouldBe("patroni");
        var members = PackageUpgrade.Members(Production, postgresql, null);
        members.Select(m => m.Host.Name).ShouldBe(Production.HostsWith(Datalyptica.Components.PostgreSQL.PostgreSQLComponent.Member).Select(h => h.Name));
        members.ShouldAllBe(m => m.UnitNames.Contains("patroni"));
        // The client is in the package list too, so a pin holds it with the server.
        postgresql.PackagesFor(Production).ShouldContain("postgresql-client-16");
    }

    [Fact]
    public void Redis_moves_its_three_packages_together_and_each_member_only_the_ones_it_has()
    {
        var redis = ComponentCatalog.Get("redis");
        var packages = PackageUpgrade.Packages(Production, redis);
        packages.ShouldBe(["redis-server", "redis-sentinel", "redis-tools"]);
        // Installed by name, so a pin on it (written with the others once every member runs VERSION) names a site package.
        redis.PackagesFor(Production).ShouldContain("redis-tools");
        var member = PackageUpgrade.Members(Production, redis, null)[0];
        var sentinelOnly = new UpgradeMember(member, new Dictionary<string, string> { ["redis-sentinel"] = "5:7.0.15-1~deb12u7", ["redis-tools"] = "5:7.0.15-1~deb12u7" });
        var moved = PackageUpgrade.PackagesOf(sentinelOnly, packages);
        moved.ShouldBe(["redis-sentinel", "redis-tools"], "an upgrade must not install a Redis server on a Sentinel-only host");
        PackageUpgrade.UpgradeCommand(member, moved, "5:7.0.15-1~deb12u10", null).ShouldNotContain("redis-server=");
        PackageUpgrade.PackagesOf(new UpgradeMember(member, new Dictionary<string, string>()), packages).ShouldBe(packages, "a member with none yet gets them all");
    }

    [Theory]
    [InlineData("kafka", "release archive")]
    [InlineData("etcd", "declares no packages")]
    public void A_component_without_versioned_packages_is_refused_with_the_ones_that_have_them(string id, string why)
    {
        var refused = Should.Throw<UpgradeRefusedException>(() => PackageUpgrade.Packages(Production, ComponentCatalog.Get(id)));
        refused.Message.ShouldContain(why);
        refused.Message.ShouldContain("Components with");
        refused.Message.ShouldContain("postgresql");
        refused.Message.ShouldContain("haproxy");
    }

    [Fact]
    public void A_version_the_offline_repository_does_not_hold_is_refused_naming_what_it_holds_and_the_fix()
    {
        var manifest = new RepositoryManifest(RepositoryManifest.CurrentFormatVersion, "bookworm", "amd64", ["postgresql-15"],
        [
            new RepositoryPackage("postgresql-15", "15.18-0+deb12u1", "amd64", "pool/a.deb", 1, "x"),
            new RepositoryPackage("postgresql-client-15", "15.18-0+deb12u1", "amd64", "pool/b.deb", 1, "y"),
        ], []);
        var refused = Should.Throw<UpgradeRefusedException>(() =>
            PackageUpgrade.RequireInRepository(manifest, "/srv/repo", ["postgresql-15", "postgresql-client-15"], "15.20-0+deb12u1"));
        refused.Message.ShouldContain("postgresql-15, postgresql-client-15 at 15.20-0+deb12u1");
        refused.Message.ShouldContain("postgresql-15: 15.18-0+deb12u1");
        refused.Message.ShouldContain("--package postgresql-15=15.20-0+deb12u1");
        Should.NotThrow(() => PackageUpgrade.RequireInRepository(manifest, "/srv/repo", ["postgresql-15", "postgresql-client-15"], "15.18-0+deb12u1"));
    }

    [Fact]
    public void A_members_upgrade_installs_every_package_at_the_version_allowing_a_downgrade_then_restarts_its_units()
    {
        var member = PackageUpgrade.Members(Production, ComponentCatalog.Get("postgresql"), null)[0];
        var command = PackageUpgrade.UpgradeCommand(member, ["postgresql-16", "postgresql-client-16"], "16.4-1.pgdg120+1", null);
        command.ShouldStartWith("( ");
        command.ShouldContain(" postgresql-16=16.4-1.pgdg120+1 postgresql-client-16=16.4-1.pgdg120+1");
        command.ShouldContain("--allow-downgrades --allow-change-held-packages");
        command.ShouldContain("apt-mark hold postgresql-16 postgresql-client-16");
        command.ShouldContain("exit 101"); // policy-rc.d: the package never restarts the server itself
        command.ShouldEndWith($") && systemctl restart {string.Join(' ', member.UnitNames)}");

        var back = PackageUpgrade.RollbackCommand(new UpgradeMember(member, new Dictionary<string, string> { ["postgresql-16"] = "16.2-1", ["postgresql-client-16"] = "16.2-1" }), null);
        back.ShouldContain(" postgresql-16=16.2-1 postgresql-client-16=16.2-1");
    }

    private sealed class LocalContext(Site site) : DrillContext("/site", site, new Dictionary<string, Secret>(), _ => { })
    {
        protected override IHostTransport Connect(Host host, TimeSpan connectTimeout, TimeSpan commandTimeout) => new LocalTransport(host.Name, commandTimeout: commandTimeout);
        public override void CrashLabHost(string host) => throw new NotSupportedException();
        public override Task StartLabHostAsync(string host, CancellationToken cancellation) => throw new NotSupportedException();
        public override Task<IReadOnlyList<string>> BootStoppedLabHostsAsync(CancellationToken cancellation) => throw new NotSupportedException();
        public override Task<IReadOnlyList<string>> HealthProblemsAsync(CancellationToken cancellation, string? component = null) => Task.FromResult<IReadOnlyList<string>>([]);
    }

    /// <summary>This machine's own dpkg answers (the test setup installs Debian's postgresql-15): what it reports is what upgrade reads.</summary>
    [Fact]
    public async Task Installed_versions_are_read_from_dpkg_on_the_member_and_a_package_it_lacks_is_not_installed()
    {
        var host = new Host("local", IPAddress.Loopback, Tier.Catalog, 2, 8, [], ["postgresql"]);
        var site = new Site("t", "test", SiteRole.Primary, "example.test", [host], [], null, new Dictionary<string, string>());
        var member = new RestartMember(host, []);
        var dpkg = Process.Start(new ProcessStartInfo("dpkg-query", ["-W", "-f", "${Version}", "postgresql-15"]) { RedirectStandardOutput = true })!;
        var expected = (await dpkg.StandardOutput.ReadToEndAsync()).Trim();
        expected.ShouldNotBeEmpty("the test setup installs Debian's postgresql-15");

        var read = await PackageUpgrade.InstalledAsync(new LocalContext(site), [member], ["postgresql-15", "no-such-package-dl"], CancellationToken.None);

        var installed = read.ShouldHaveSingleItem();
        installed.Installed.ShouldBe(new Dictionary<string, string> { ["postgresql-15"] = expected });
        installed.IsAt(expected).ShouldBeTrue();
        installed.IsAt(expected + "1").ShouldBeFalse();
    }

    [Fact]
    public void Debian_version_order_agrees_with_dpkg()
    {
        string[] versions = ["15.18-0+deb12u1", "15.20-0+deb12u1", "15.2-1", "1:0.9", "0.9", "1.0~rc1", "1.0", "1.0-1", "1.0+b1", "1.0a", "1.0.1",
            "5:7.0.15-1~deb12u10", "5:7.0.15-1~deb12u7", "2.6.12-1+deb12u3", "2.6.12-1+deb12u4", "16.4-1.pgdg120+1", "16.4-1.pgdg120+2"];
        foreach (var a in versions)
            foreach (var b in versions)
            {
                var dpkg = Process.Start("dpkg", ["--compare-versions", a, "lt", b])!;
                dpkg.WaitForExit();
                (DebianVersion.Compare(a, b) < 0).ShouldBe(dpkg.ExitCode == 0, $"{a} < {b}");
            }
    }

    [Fact]
    public void The_offline_repository_holds_a_pinned_version_next_to_the_newest_and_apply_installs_the_pin()
    {
        var site = Production with
        {
            Vars = new Dictionary<string, Setting>(Production.Vars)
            {
                [PackagePins.SiteKey] = new(new Dictionary<string, object?> { ["postgresql-16"] = "16.2-1.pgdg120+2", ["postgresql-client-16"] = "16.2-1.pgdg120+2" }, null),
            },
        };
        PackagePins.RepositorySpecs(site).ShouldBe(["postgresql-16=16.2-1.pgdg120+2", "postgresql-client-16=16.2-1.pgdg120+2"]);

        var resource = new PackageResource(["postgresql-16", "postgresql-client-16", "pgbackrest"], "postgresql") { Pins = PackagePins.Of(site) };
        var fresh = resource.Plan(FactsWith([]), new PlanContext());
        var install = fresh.Changes.ShouldHaveSingleItem();
        install.Reason.ShouldContain("postgresql-16=16.2-1.pgdg120+2");
        var step = install.Steps.ShouldHaveSingleItem().Text.ShouldNotBeNull();
        step.ShouldContain(" postgresql-16=16.2-1.pgdg120+2 postgresql-client-16=16.2-1.pgdg120+2 pgbackrest");
        // Held once installed: apt moved an unheld pinned postgresql-15 on the lab when patroni was installed next.
        step.ShouldContain("apt-mark hold postgresql-16 postgresql-client-16");
        step.ShouldNotContain("--allow-change-held-packages");

        // Installed at another version: apply leaves it and says which verb moves it.
        var drifted = resource.Plan(FactsWith(new() { ["postgresql-16"] = "16.1-1", ["postgresql-client-16"] = "16.2-1.pgdg120+2", ["pgbackrest"] = "2.54" }), new PlanContext());
        drifted.IsNoop.ShouldBeTrue();
        drifted.NoopReason.ShouldNotBeNull().ShouldContain("postgresql-16 16.1-1 (the site pins 16.2-1.pgdg120+2: `datalyptica upgrade SITE postgresql 16.2-1.pgdg120+2`");
    }

    private static HostFacts FactsWith(Dictionary<string, string> installed) =>
        HostFacts.EmptyDebian12 with { Packages = installed.ToDictionary(p => p.Key, p => new PackageFact(true, p.Value)) };

    [Fact]
    public void A_misspelt_pin_is_refused_at_its_line_with_the_name_it_probably_meant()
    {
        using var dir = SiteDir.Of();
        dir.Append(All, $"{PackagePins.SiteKey}:", "  postgresql-16: '16.2-1'", "  postgresq-client-16: '16.2-1'");

        var findings = dir.Validate();

        findings.ShouldReport(dir, "DL131", Severity.Error, All, $"{PackagePins.SiteKey}.postgresq-client-16", PackagePins.SiteKey, "did you mean postgresql-client-16?");
        findings.ShouldHaveNoOtherProblemsThan("DL131");
    }

    [Theory]
    [InlineData("  postgresql-16: '16.2-1; rm -rf /'", "Debian versions")]
    [InlineData("  'postgresql 16': '16.2-1'", "Debian package names")]
    [InlineData("  postgresql-16: [16.2]", "Debian versions")]
    public void A_pin_that_is_not_a_package_name_and_a_Debian_version_is_refused_by_its_declaration(string line, string expected)
    {
        using var dir = SiteDir.Of();
        dir.Append(All, $"{PackagePins.SiteKey}:", line);

        var findings = dir.Validate();

        findings.ShouldContain(d => d.Code == "DL551" && d.Message.Contains(expected), string.Join("\n", findings));
    }

    [Fact]
    public void The_pins_are_written_as_a_marked_block_that_leaves_the_rest_of_the_file_and_is_replaced_in_place()
    {
        using var dir = SiteDir.Of();
        var original = File.ReadAllText(dir.Full(All));
        Func<string, IReadOnlyDictionary<string, string>> readBack = d => PackagePins.Of(SiteLoader.Load(d, () => SiteDir.Password).Site!);

        PackagePinRecord.Record(dir.Path, new Dictionary<string, string>(), new Dictionary<string, string> { ["postgresql-16"] = "16.2-1", ["postgresql-client-16"] = "16.2-1" }, readBack);
        var first = File.ReadAllText(dir.Full(All));
        first.ShouldStartWith(original);
        first.ShouldContain($"{PackagePinRecord.BeginMarker}\n{PackagePins.SiteKey}:\n  postgresql-16: '16.2-1'\n  postgresql-client-16: '16.2-1'\n{PackagePinRecord.EndMarker}\n");
        dir.Validate().ShouldBeClean("the written pins validate");

        dir.Append(All, "# a comment the operator wrote after the block");
        PackagePinRecord.Record(dir.Path, readBack(dir.Path), new Dictionary<string, string> { ["postgresql-16"] = "1:16.4-1" }, readBack);
        var second = File.ReadAllText(dir.Full(All));
        second.ShouldStartWith(original);
        second.ShouldContain("  postgresql-16: '1:16.4-1'\n  postgresql-client-16: '16.2-1'\n");
        second.ShouldEndWith("# a comment the operator wrote after the block\n");
        second.Split(PackagePinRecord.BeginMarker).Length.ShouldBe(2, "one block");
        readBack(dir.Path)["postgresql-16"].ShouldBe("1:16.4-1", "the epoch's colon is read as text, not a number");
    }

    [Fact]
    public void Pins_the_operator_wrote_outside_the_block_or_a_read_back_that_differs_leave_the_file_as_it_was()
    {
        using var dir = SiteDir.Of();
        dir.Append(All, $"{PackagePins.SiteKey}: {{postgresql-16: '16.2-1'}}");
        var before = File.ReadAllText(dir.Full(All));
        var pins = new Dictionary<string, string> { ["postgresql-16"] = "16.4-1" };

        var own = Should.Throw<InvalidOperationException>(() => PackagePinRecord.Record(dir.Path, new Dictionary<string, string>(), pins, _ => pins));
        own.Message.ShouldContain("sets datalyptica_package_versions itself");
        own.Message.ShouldContain("postgresql-16: '16.4-1'");
        File.ReadAllText(dir.Full(All)).ShouldBe(before);

        using var other = SiteDir.Of();
        var otherBefore = File.ReadAllText(other.Full(All));
        var overridden = Should.Throw<InvalidOperationException>(() =>
            PackagePinRecord.Record(other.Path, new Dictionary<string, string>(), pins, _ => new Dictionary<string, string> { ["postgresql-16"] = "16.2-1" }));
        overridden.Message.ShouldContain("did not read back");
        File.ReadAllText(other.Full(All)).ShouldBe(otherBefore);
    }
}
