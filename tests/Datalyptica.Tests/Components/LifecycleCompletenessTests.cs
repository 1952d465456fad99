using Datalyptica.Components;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Profiles;
using Datalyptica.Rendering;

namespace Datalyptica.Tests.Components;

/// <summary>
/// Catalog completeness for lifecycles (issue 12, deliverable 5): every component has a layer, an account and units with
/// declared restart semantics; every unit runs as a declared account and is declared by exactly one component; every unit
/// file a renderer writes in any built-in profile is declared by the component that wrote it, with a source that says so.
/// </summary>
public class LifecycleCompletenessTests
{
    private static readonly (string Id, ComponentLifecycle Lifecycle)[] Declared =
        [(OsBaseRenderer.ComponentId, OsBaseLifecycle.Declaration), .. ComponentCatalog.All.Select(c => (c.Id, c.Lifecycle))];

    private static readonly Lazy<IReadOnlyList<(string Profile, HostFiles Host)>> Rendered = new(() => BuiltInProfiles.All
        .SelectMany(p => SiteRenderer.Render(ProfileExpander.Expand(p, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk")).Select(h => (p.Name, h)))
        .ToList());

    [Fact]
    public void Every_component_has_a_layer_an_account_and_units_whose_restart_semantics_are_declared()
    {
        foreach (var component in ComponentCatalog.All)
        {
            Layers.Of(component.Tier).ShouldNotBe(Layer.Prerequisites, $"{component.Id}: the prerequisites layer is the OS base's");
            var lifecycle = component.Lifecycle;
            lifecycle.Account.ShouldNotBeNull($"{component.Id} declares no service account");
            // Debian packages create their users (Debian policy 9.2.1); artifacts get one from us.
            lifecycle.Account.CreatedByPackage.ShouldBe(component.Install == InstallSource.DistroPackage,
                $"{component.Id} is installed from {component.Install} but its account says created by package: {lifecycle.Account.CreatedByPackage}");
            lifecycle.Units.ShouldNotBeEmpty($"{component.Id} declares no unit: nothing would restart when its files change");
        }
        foreach (var (id, lifecycle) in Declared)
            foreach (var unit in lifecycle.Units)
            {
                Enum.IsDefined(unit.OnConfigChange).ShouldBeTrue($"{id}/{unit.Name}");
                Enum.IsDefined(unit.Source).ShouldBeTrue($"{id}/{unit.Name}");
                lifecycle.AccountOf(unit).ShouldNotBeNull($"{id}/{unit.Name} runs as no declared account");
                lifecycle.AccountOf(unit)!.User.ShouldNotBeNullOrWhiteSpace();
            }
    }

    [Fact]
    public void Every_unit_is_declared_by_exactly_one_component_and_none_runs_a_unit_another_masks()
    {
        var owners = Declared.SelectMany(d => d.Lifecycle.Units.Select(u => (Unit: u.Name, d.Id))).GroupBy(x => x.Unit).ToList();
        foreach (var unit in owners)
            unit.Count().ShouldBe(1, $"unit {unit.Key} is declared by {string.Join(", ", unit.Select(x => x.Id))}");

        var running = owners.Select(o => o.Key).ToHashSet();
        foreach (var (id, lifecycle) in Declared)
            foreach (var replaced in lifecycle.Replaces)
            {
                running.ShouldNotContain(replaced.Unit, $"{id} masks {replaced.Unit}, which a component declares as running");
                replaced.Why.ShouldNotBeNullOrWhiteSpace();
            }
    }

    [Fact]
    public void Every_unit_file_rendered_in_a_built_in_profile_is_declared_by_its_component_with_a_matching_source()
    {
        var seen = new HashSet<string>();
        foreach (var (profile, host) in Rendered.Value)
            foreach (var file in host.Files.Where(f => f.Path.StartsWith("/etc/systemd/system/", StringComparison.Ordinal)))
            {
                var name = DesiredStateBuilder.UnitNameOf(file.Path).ShouldNotBeNull($"{profile}/{host.Host.Name}: {file.Path} names no service");
                var lifecycle = Declared.Single(d => d.Id == file.Component).Lifecycle;
                var unit = lifecycle.Units.SingleOrDefault(u => u.Name == name)
                    .ShouldNotBeNull($"{profile}/{host.Host.Name}: {file.Component} renders {file.Path} but does not declare unit {name}");
                var dropIn = file.Path.Contains(".service.d/", StringComparison.Ordinal);
                // A rendered unit is a whole unit file; a packaged unit only ever gets drop-ins from us.
                if (unit.Source == UnitSource.Rendered) dropIn.ShouldBeFalse($"{file.Path}: {name} is declared rendered but gets a drop-in");
                else dropIn.ShouldBeTrue($"{file.Path}: {name} is declared packaged but we render its whole unit file");
                seen.Add(name);
            }

        // And the other way round: a unit declared as ours (file or drop-in) is rendered somewhere, or the declaration is dead.
        foreach (var (id, lifecycle) in Declared)
            foreach (var unit in lifecycle.Units.Where(u => u.Source != UnitSource.Package))
                seen.ShouldContain(unit.Name, $"{id} declares {unit.Name} as {unit.Source} but no built-in profile renders its file");
    }

    [Fact]
    public void The_desired_state_manages_exactly_the_declared_units_of_the_components_on_each_host()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Production, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        var desired = DesiredStateBuilder.Build(site, SiteRenderer.Render(site), ArtifactCatalog.FromSite(site));
        foreach (var host in desired)
            foreach (var service in host.Resources.Select(r => r.Resource).OfType<SystemdServiceResource>())
            {
                var lifecycle = Declared.Single(d => d.Id == service.Component).Lifecycle;
                if (service.State == ServiceState.Masked)
                    lifecycle.Replaces.ShouldContain(r => r.Unit == service.Unit, $"{host.Host}: {service.Unit} masked without a declaration");
                else
                {
                    // A scheduled job is managed through its timer (UnitSpec.ManagedName).
                    var unit = lifecycle.Units.Single(u => u.ManagedName == service.Unit);
                    (service.ReloadInputs.Count > 0).ShouldBe(unit.OnConfigChange == OnConfigChange.Reload, $"{host.Host}: {service.Unit}");
                    (service.Rolling is not null).ShouldBe(unit.Rolling is not null, $"{host.Host}: {service.Unit}");
                }
            }
    }

    [Fact]
    public void A_unit_file_its_component_does_not_declare_stops_the_desired_state_with_the_component_and_unit_named()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Development, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        var hostFiles = SiteRenderer.Render(site)[0];
        var component = ComponentCatalog.All.First(c => c.Roles.Any(hostFiles.Host.Has));
        var stray = new RenderedFile(component.Id, "/etc/systemd/system/undeclared-daemon.service", "[Service]\n") { Kind = FileKind.SystemdUnit };

        var error = Should.Throw<InvalidOperationException>(() =>
            DesiredStateBuilder.ForHost(site, hostFiles with { Files = [.. hostFiles.Files, stray] }, ArtifactCatalog.FromSite(site)));
        error.Message.ShouldBe($"{component.Id} renders a file for unit undeclared-daemon but its lifecycle does not declare that unit");
    }
}
