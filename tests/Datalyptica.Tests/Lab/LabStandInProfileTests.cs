using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Engine.Repository;
using Datalyptica.Diagnostics;
using Datalyptica.Lab;
using Datalyptica.Profiles;
using Datalyptica.Validation;

namespace Datalyptica.Tests.Lab;

/// <summary>The stand-in lab variant (issue 14, deliverable 5): every component on the 3 lab hosts, no port clash.</summary>
public sealed class LabStandInProfileTests
{
    private static readonly Model.Site Site = LabRepository.WithDebianPostgres(ProfileExpander.Expand(BuiltInProfiles.LabWithStandIns));

    [Fact]
    public void Every_component_of_the_catalog_is_placed_on_the_three_lab_hosts()
    {
        Site.Hosts.Count.ShouldBe(3);
        var unplaced = ComponentCatalog.All.Where(c => !Site.Deploys(c)).Select(c => c.Id).ToList();
        unplaced.ShouldBeEmpty();
        // Each quorum keeps 3 members.
        foreach (var role in new[] { "etcd", "zookeeper", "kafka_controller", "clickhouse_keeper", "redis_sentinel" })
            Site.Hosts.Count(h => h.RoleGroups.Contains(role)).ShouldBe(3, role);
    }

    [Fact]
    public void No_two_listeners_share_a_port_on_any_host()
    {
        // The lab's own addresses, VIPs and vault come from lab up (LabManager.WriteSite); ports are the profile's.
        SiteValidator.Validate(Site).Where(d => d.Code == FindingCodes.PortCollision.Code).Select(d => d.Message).ShouldBeEmpty();
    }

    [Fact]
    public void The_lab_repository_holds_what_the_stand_in_variant_installs_from_Debian()
    {
        LabRepository.Packages.ShouldContain("openjdk-17-jre-headless");
        foreach (var package in RepositoryPackageSet.For(Site))
            LabRepository.Packages.ShouldContain(package);
    }
}
