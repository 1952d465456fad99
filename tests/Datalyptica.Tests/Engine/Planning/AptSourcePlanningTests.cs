using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Repository;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Rendering;

namespace Datalyptica.Tests.Engine.Planning;

/// <summary>The site's apt source in the prerequisites layer: before every package, only when the site names one.</summary>
public class AptSourcePlanningTests
{
    private static Site WithVars(params (string Key, string Value)[] vars)
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Development, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        var merged = site.Vars.ToDictionary();
        foreach (var (k, v) in vars) merged[k] = new Setting(v, null);
        return site with { Vars = merged };
    }

    [Fact]
    public void A_served_repository_puts_the_source_files_then_the_guarded_move_then_update_before_any_package()
    {
        var site = WithVars((AptSource.RepositoryListenKey, "10.77.0.1:8080"));
        var desired = DesiredStateBuilder.Build(site, SiteRenderer.Render(site), ArtifactCatalog.FromSite(site))[0];
        var ids = desired.Resources.Select(r => r.Resource.Id).ToList();
        ids.Take(6).ShouldBe([
            "file:" + AptSourceRenderer.ListPath, "file:" + AptSourceRenderer.MainSourcesList, "file:" + AptSourceRenderer.ConfigPath,
            "command:apt-disable-other-sources", "command:apt-update", "package:os-base"]);
        desired.Resources.Take(5).ShouldAllBe(r => r.Layer == Layer.Prerequisites);

        var plan = Planner.PlanHost(desired, HostFacts.EmptyDebian12, new PlanOptions());
        var list = plan.Changes.Single(c => c.ResourceId == "file:" + AptSourceRenderer.ListPath);
        list.Steps.ShouldContain(s => s.Text != null && s.Text.Contains("deb [trusted=yes check-date=no] http://10.77.0.1:8080/ ./"));
        plan.Changes.Single(c => c.ResourceId == "command:apt-update").Steps.Single().Display.ShouldContain("apt-get update");
        // The package install keeps Debian's auto-start trap closed.
        plan.Changes.Single(c => c.ResourceId == "package:os-base").Steps.Single().Display.ShouldContain("policy-rc.d");
    }

    [Fact]
    public void No_source_named_means_hosts_keep_their_own_sources()
    {
        var site = WithVars();
        var desired = DesiredStateBuilder.Build(site, SiteRenderer.Render(site), ArtifactCatalog.FromSite(site))[0];
        desired.Resources.ShouldNotContain(r => r.Resource.Id.StartsWith("command:apt-", StringComparison.Ordinal));
        AptSource.ServedEndpoint(site).ShouldBeNull();
    }

    [Fact]
    public void Apply_refuses_a_served_repository_without_a_built_folder_and_names_the_fix()
    {
        var site = WithVars((AptSource.RepositoryListenKey, "127.0.0.1:0"));
        Should.Throw<RepositoryBuildException>(() => ApplyRepository.StartFor(site, null)).Message.ShouldContain(AptSource.RepositoryDirKey);
        var empty = Directory.CreateTempSubdirectory("dl-no-repo").FullName;
        try { Should.Throw<RepositoryBuildException>(() => ApplyRepository.StartFor(site, empty)).Message.ShouldContain("repo build"); }
        finally { Directory.Delete(empty, true); }
        // A listen address that is not ADDR:PORT is refused by validate (its declaration, DL551) before apply reads it.
        var nonsense = WithVars((AptSource.RepositoryListenKey, "nonsense"));
        new Datalyptica.Validation.SettingTypeRule().Check(nonsense).ShouldContain(d => d.Code == "DL551" && d.Key == AptSource.RepositoryListenKey);
    }
}
