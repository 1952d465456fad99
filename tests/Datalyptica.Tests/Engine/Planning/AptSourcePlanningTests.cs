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

    private static readonly string PublicKey = Datalyptica.Pki.RepositorySigningKey.Create("test", DateTime.UtcNow).PublicKeyArmored;

    [Fact]
    public void A_served_repository_travels_with_each_package_install_and_leaves_nothing_in_etc_apt()
    {
        var site = WithVars((AptSource.RepositoryListenKey, "10.77.0.1:8080")) with { RepositoryKey = PublicKey };
        var desired = DesiredStateBuilder.Build(site, SiteRenderer.Render(site), ArtifactCatalog.FromSite(site))[0];
        var ids = desired.Resources.Select(r => r.Resource.Id).ToList();
        ids.Take(2).ShouldBe(["command:apt-remove-legacy-offline-source", "package:os-base"]);
        ids.ShouldNotContain("file:" + AptSourceRenderer.ListPath);
        ids.ShouldNotContain("command:apt-update");

        // A bare host: the legacy source is absent (the guard says so), every package install brings the source.
        var plan = Planner.PlanHost(desired, HostFacts.EmptyDebian12, new PlanOptions());
        var install = plan.Changes.Single(c => c.ResourceId == "package:os-base").Steps.Single().Display;
        install.ShouldContain("policy-rc.d"); // Debian's auto-start trap stays closed
        install.ShouldContain("[signed-by=/run/datalyptica-apt/repository.asc] http://10.77.0.1:8080/ ./");
        install.ShouldContain("apt-get update -q");
        install.ShouldContain("Dir::Etc::SourceList=/run/datalyptica-apt/sources.list");
        install.ShouldContain("rm -rf /run/datalyptica-apt;");
        install.ShouldNotContain("trusted=yes");
        desired.Resources.Where(r => r.Resource is Datalyptica.Engine.Resources.PackageResource).ShouldAllBe(r =>
            ((Datalyptica.Engine.Resources.PackageResource)r.Resource).Source != null);
    }

    [Fact]
    public void A_served_repository_without_the_site_key_is_refused_with_the_fix()
    {
        var site = WithVars((AptSource.RepositoryListenKey, "10.77.0.1:8080"));
        // The desired state builds (verify reads only its units), but no package install can be planned from it.
        var desired = DesiredStateBuilder.ForHost(site, SiteRenderer.Render(site)[0], ArtifactCatalog.FromSite(site));
        Should.Throw<InvalidOperationException>(() => Planner.PlanHost(desired, HostFacts.EmptyDebian12, new PlanOptions()))
            .Message.ShouldContain("repository-key.asc");
        // verify lists the units of the same site without the key (found by bench/vs-ansible.sh, whose verify refused it).
        Datalyptica.Verification.Verifier.UnitsByHost(site).Values.SelectMany(u => u).ShouldNotBeEmpty();
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
        var key = Datalyptica.Pki.RepositorySigningKey.Create("test", DateTime.UtcNow);
        Should.Throw<RepositoryBuildException>(() => ApplyRepository.StartFor(site, null, key)).Message.ShouldContain(AptSource.RepositoryDirKey);
        var empty = Directory.CreateTempSubdirectory("dl-no-repo").FullName;
        try { Should.Throw<RepositoryBuildException>(() => ApplyRepository.StartFor(site, empty, key)).Message.ShouldContain("repo build"); }
        finally { Directory.Delete(empty, true); }
        // A listen address that is not ADDR:PORT is refused by validate (its declaration, DL551) before apply reads it.
        var nonsense = WithVars((AptSource.RepositoryListenKey, "nonsense"));
        new Datalyptica.Validation.SettingTypeRule().Check(nonsense).ShouldContain(d => d.Code == "DL551" && d.Key == AptSource.RepositoryListenKey);
    }
}
