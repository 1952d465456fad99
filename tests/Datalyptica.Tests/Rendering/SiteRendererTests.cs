using Datalyptica.Components;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Rendering;

namespace Datalyptica.Tests.Rendering;

public class SiteRendererTests
{
    [Fact]
    public void Rendering_the_same_site_twice_gives_the_same_bytes()
    {
        var first = RenderedSites.Production;
        var again = SiteRenderer.Render(first.Site);
        again.Select(h => h.Host.Name).ShouldBe(first.Hosts.Select(h => h.Host.Name));
        foreach (var (a, b) in first.Hosts.Zip(again))
        {
            b.Files.Select(f => f.Path).ShouldBe(a.Files.Select(f => f.Path));
            foreach (var (fa, fb) in a.Files.Zip(b.Files)) fb.ShouldBe(fa);
        }
    }

    [Fact]
    public void Every_host_of_every_profile_gets_the_os_base()
    {
        foreach (var site in RenderedSites.All)
        foreach (var (host, files) in site.Hosts)
            files.ShouldContain(f => f.Path == OsBaseRenderer.SysctlPath, $"{site}: {host.Name}");
    }

    [Fact]
    public void Files_that_hold_secrets_are_never_world_readable()
    {
        foreach (var site in RenderedSites.All)
        foreach (var (host, file) in site.AllFiles.Where(x => x.File.ContainsSecrets))
            (file.Mode & UnixFileMode.OtherRead).ShouldBe((UnixFileMode)0, $"{site}: {host.Name}:{file.Path}");
    }

    [Fact]
    public void A_single_host_and_component_can_be_rendered_alone()
    {
        var site = RenderedSites.Production.Site;
        var only = SiteRenderer.Render(site, "pg01", OsBaseRenderer.ComponentId);
        only.ShouldHaveSingleItem().Host.Name.ShouldBe("pg01");
        only[0].Files.ShouldAllBe(f => f.Component == OsBaseRenderer.ComponentId);
    }

    [Fact]
    public void Unknown_host_or_component_is_a_clear_error()
    {
        var site = RenderedSites.Production.Site;
        Should.Throw<ArgumentException>(() => SiteRenderer.Render(site, "nope01")).Message.ShouldContain("inventory list");
        Should.Throw<ArgumentException>(() => SiteRenderer.Render(site, null, "kafak")).Message.ShouldContain("kafka");
    }

    [Fact]
    public void Secret_placeholders_name_vault_variables_and_resolve()
    {
        var text = $"password={SecretPlaceholder.For("vault_redis_password")}";
        SecretPlaceholder.Find(text).ShouldBe(["vault_redis_password"]);
        SecretPlaceholder.Resolve(text, n => n.ToUpperInvariant()).ShouldBe("password=VAULT_REDIS_PASSWORD");
        Should.Throw<ArgumentException>(() => SecretPlaceholder.For("redis_password"));
    }
}

public class RendererCoverageTests
{
    [Fact]
    public void Every_component_has_a_renderer_and_every_host_of_production_gets_files_from_each_of_its_components()
    {
        foreach (var component in Datalyptica.Components.ComponentCatalog.All)
            component.Renderer.ShouldNotBeNull($"{component.Id} has no renderer");
        foreach (var (host, files) in RenderedSites.Production.Hosts)
        foreach (var component in host.Roles.Select(r => r.Component).Distinct())
            files.ShouldContain(f => f.Component == component.Id, $"{host.Name} runs {component.Id} but gets no file from it");
    }
}
