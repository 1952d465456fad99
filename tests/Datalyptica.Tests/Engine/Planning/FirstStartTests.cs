using Datalyptica.Components;
using Datalyptica.Components.ClickHouse;
using Datalyptica.Components.Keycloak;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Secrets;
using Datalyptica.Tests.Sites;

namespace Datalyptica.Tests.Engine.Planning;

/// <summary>
/// First-start steps (Contracts/Lifecycle.cs, CommandPhase.BeforeServices): placed after a component's files and before
/// its units, guarded, a no-op once their guard passes; once-per-cluster steps on one member only.
/// </summary>
public class FirstStartTests
{
    private static readonly Lazy<PlanningTests.Fixture> Production = new(() =>
        new PlanningTests.Fixture(ProfileExpander.Expand(BuiltInProfiles.Production, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk")));

    private static List<string> Ids(HostPlan host, Layer layer) => host.Changes.Where(c => c.Layer == layer).Select(c => c.ResourceId).ToList();

    [Fact]
    public void A_kafka_node_formats_its_storage_once_after_its_files_and_before_its_unit_and_a_formatted_node_plans_nothing()
    {
        var f = Production.Value;
        var desired = f.Desired(f.AllArtifacts());
        var plan = Planner.Build(f.Site.Name, desired, _ => HostFacts.EmptyDebian12, f.Options);
        foreach (var (role, unit) in new[] { ("kafka_broker", "kafka-broker"), ("kafka_controller", "kafka-controller") })
        {
            var host = f.Site.Hosts.First(h => h.RoleGroups.Contains(role));
            var hostPlan = plan.Hosts.Single(h => h.Host == host.Name);
            var ids = Ids(hostPlan, Layer.Streaming);
            var format = $"command:kafka-storage-format-{unit["kafka-".Length..]}";
            ids.Count(id => id == format).ShouldBe(1, $"{host.Name}: formatted exactly once");
            ids.IndexOf(format).ShouldBeGreaterThan(ids.IndexOf("artifact:kafka"));
            ids.IndexOf(format).ShouldBeGreaterThan(ids.FindLastIndex(id => id.StartsWith("file:", StringComparison.Ordinal) && !id.StartsWith("file:" + Ownership.Folder, StringComparison.Ordinal)));
            ids.IndexOf(format).ShouldBeLessThan(ids.IndexOf($"service:{unit}"));

            var run = hostPlan.Changes.Single(c => c.ResourceId == format).Steps.Single().Text!;
            var properties = unit == "kafka-broker" ? "broker.properties" : "controller.properties";
            // Guarded in the step too (a resumed apply), then the upstream command with the site's id and the rendered properties.
            run.ShouldStartWith("( test -f ");
            run.ShouldContain("meta.properties");
            run.ShouldContain($"kafka-storage.sh format -t MkU3OEVBNTcwNTJENDM2Qk -c /etc/datalyptica/kafka/{properties} --ignore-formatted");
            run.ShouldNotContain("--standalone");
        }

        // Every guard passes (meta.properties everywhere): nothing to do.
        var converged = desired.ToDictionary(d => d.Host, d => ConvergedFacts.For(d, f.Options));
        var again = Planner.Build(f.Site.Name, desired, h => converged[h], f.Options);
        again.Hosts.SelectMany(h => h.Changes).ShouldNotContain(c => c.ResourceId.StartsWith("command:kafka-storage-format", StringComparison.Ordinal));
        again.PendingCount.ShouldBe(0);
    }

    [Fact]
    public void A_formatted_broker_that_gets_a_new_data_disk_formats_it_and_restarts_only_the_broker()
    {
        var f = Production.Value;
        var desired = f.Desired(f.AllArtifacts());
        var broker = desired.First(d => d.Resources.Any(r => r.Resource.Id == "service:kafka-broker"));
        var facts = ConvergedFacts.For(broker, f.Options);
        var notFormatted = facts with { Guards = new Dictionary<string, int>(facts.Guards) { ["kafka-storage-format-broker"] = 1 } };

        var host = Planner.PlanHost(broker, notFormatted, f.Options);

        host.Changes.Select(c => c.ResourceId).ShouldBe(["command:kafka-storage-format-broker", "service:kafka-broker"]);
        host.Changes[0].Reason.ShouldContain("no meta.properties");
    }

    [Fact]
    public void Keycloak_builds_before_its_first_start_and_again_only_when_a_build_option_changes()
    {
        var f = Production.Value;
        var desired = f.Desired(f.AllArtifacts());
        var empty = Planner.Build(f.Site.Name, desired, _ => HostFacts.EmptyDebian12, f.Options);
        var members = f.Site.Hosts.Where(h => h.RoleGroups.Contains("keycloak")).ToList();
        members.Count.ShouldBeGreaterThan(1);
        foreach (var member in members)
        {
            var ids = Ids(empty.Hosts.Single(h => h.Host == member.Name), Layer.Iam);
            ids.IndexOf("command:keycloak-build").ShouldBeGreaterThan(ids.IndexOf("artifact:keycloak"));
            ids.IndexOf("command:keycloak-build").ShouldBeGreaterThan(ids.FindLastIndex(id => id.StartsWith("file:", StringComparison.Ordinal) && !id.StartsWith("file:" + Ownership.Folder, StringComparison.Ordinal)));
            ids.IndexOf("command:keycloak-build").ShouldBeLessThan(ids.IndexOf("service:keycloak"));
        }

        var state = desired.Single(d => d.Host == members[0].Name);
        var files = state.Resources.Select(r => r.Resource).OfType<FileResource>().ToList();
        var options = files.Single(r => r.Path == KeycloakRenderer.BuildOptionsPath(f.Site));
        options.HasSecrets.ShouldBeFalse("the build options file is compared in a guard: no secret in it");
        foreach (var option in new[] { "db=postgres", "http-relative-path=/auth", "health-enabled=true", "metrics-enabled=true", "cache=ispn" })
            options.Content.ShouldContain(option + "\n");
        var conf = files.Single(r => r.Path.EndsWith("/conf/keycloak.conf", StringComparison.Ordinal));
        foreach (var line in options.Content.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#'))) conf.Content.ShouldContain(line + "\n");

        var converged = ConvergedFacts.For(state, f.Options);
        Planner.PlanHost(state, converged, f.Options).Changes.ShouldBeEmpty();

        // A build option changed: the file is written, the build runs by itself (the guard still reads the old file), the unit restarts.
        FileFact Drifted(FileResource r) => new(true, new string('0', 64), Modes.Octal(r.Mode), r.Owner, r.Group);
        var optionChanged = converged with { Files = new Dictionary<string, FileFact>(converged.Files) { [options.Path] = Drifted(options) } };
        var rebuilt = Planner.PlanHost(state, optionChanged, f.Options);
        rebuilt.Changes.Select(c => c.ResourceId).ShouldBe([options.Id, "command:keycloak-build", "service:keycloak"]);
        rebuilt.Changes[1].Steps.Single().Text!.ShouldContain("bin/kc.sh build && cp ");
        rebuilt.Changes[2].Reason.ShouldContain("command:keycloak-build");

        // A runtime option (keycloak.conf alone) restarts without a build.
        var runtimeChanged = converged with { Files = new Dictionary<string, FileFact>(converged.Files) { [conf.Path] = Drifted(conf) } };
        Planner.PlanHost(state, runtimeChanged, f.Options).Changes.Select(c => c.ResourceId).ShouldBe([conf.Id, "service:keycloak"]);
    }

    [Fact]
    public void ClickHouse_declares_the_trino_user_with_a_vault_placeholder_and_no_plan_shows_its_value()
    {
        var f = Production.Value;
        var host = f.Rendered.First(h => h.Host.RoleGroups.Contains("clickhouse"));
        var user = host.Files.Single(r => r.Path == ClickHouseRenderer.TrinoUserPath);
        user.Content.ShouldContain("<trino>");
        user.Content.ShouldContain("<password>@@secret:vault_trino_clickhouse_password@@</password>");
        user.Mode.ShouldBe(Modes.Private);
        foreach (var trino in f.Site.Hosts.Where(h => h.RoleGroups.Any(g => g.StartsWith("trino", StringComparison.Ordinal))))
            user.Content.ShouldContain($"<ip>{trino.Address}</ip>");
        // The catalog that logs in as it.
        f.Rendered.SelectMany(h => h.Files).First(r => r.Path.EndsWith("/catalog/clickhouse.properties", StringComparison.Ordinal)).Content
            .ShouldContain("connection-user=trino");

        var desired = f.Desired(f.AllArtifacts()).Single(d => d.Host == host.Host.Name);
        var masker = new SecretMasker(f.Secrets.Values);
        var plan = new Plan(f.Site.Name, [Planner.PlanHost(desired, HostFacts.EmptyDebian12, f.Options, masker)]);
        var secret = f.Secrets["vault_trino_clickhouse_password"].Reveal();
        PlanJson.Write(plan).ShouldNotContain(secret);
        PlanHumanView.Render(plan).ShouldNotContain(secret);
        plan.Hosts[0].Changes.Single(c => c.ResourceId == $"file:{ClickHouseRenderer.TrinoUserPath}").Sensitive.ShouldBeTrue();
    }

    [Fact]
    public void A_site_without_trino_renders_no_trino_user()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Production, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        site = site with { Hosts = site.Hosts.Where(h => !h.RoleGroups.Any(g => g.StartsWith("trino", StringComparison.Ordinal))).ToList() };
        SiteRenderer.Render(site).SelectMany(h => h.Files).ShouldNotContain(r => r.Path == ClickHouseRenderer.TrinoUserPath);
    }

    [Fact]
    public void PostgreSQL_installs_the_package_of_the_major_whose_paths_Patroni_is_given()
    {
        foreach (var (version, major) in new[] { ("16.2", "16"), ("15", "15") })
        {
            var expanded = ProfileExpander.Expand(BuiltInProfiles.Production, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
            var site = expanded with { Versions = new Dictionary<string, string>(expanded.Versions) { ["postgresql"] = version } };
            var rendered = SiteRenderer.Render(site);
            var pg = rendered.First(h => h.Host.RoleGroups.Contains("postgresql"));
            var state = DesiredStateBuilder.ForHost(site, pg, ArtifactCatalog.Empty);
            var package = state.Resources.Select(r => r.Resource).OfType<PackageResource>().Single(p => p.Component == "postgresql");
            package.Names.ShouldContain($"postgresql-{major}");
            package.Names.ShouldNotContain("postgresql");
            package.Names.ShouldNotContain("postgresql-contrib", "the metapackage pulls the distribution's default major");
            pg.Files.Single(r => r.Path == "/etc/patroni/config.yml").Content.ShouldContain($"bin_dir: /usr/lib/postgresql/{major}/bin");
            Datalyptica.Engine.Repository.RepositoryPackageSet.For(site).ShouldContain($"postgresql-{major}");
        }
        // The lab installs Debian 12's PostgreSQL 15 and its repository carries it.
        Datalyptica.Lab.LabRepository.Packages.ShouldContain("postgresql-15");
        Datalyptica.Lab.LabRepository.Packages.ShouldNotContain("postgresql-16");
    }
}
