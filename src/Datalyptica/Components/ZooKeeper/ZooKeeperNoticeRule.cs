using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.ZooKeeper;

/// <summary>Says plainly that ZooKeeper runs although the seed promised none, so nobody is surprised later.</summary>
public sealed class ZooKeeperNoticeRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        // The components that need ZooKeeper for HA (Spark and Flink) are the ones that declare the dependency.
        var sparkOrFlink = site.Components.Where(c => c.RequiresOn(site).Any(d => d.ComponentId == ZooKeeperRenderer.Id)).Select(c => c.DisplayName).ToList();
        if (sparkOrFlink.Count > 0 && site.HostsWith(ZooKeeperComponent.Member).Any())
            yield return new Diagnostic(FindingCodes.ZooKeeperForSparkFlink,
                $"{string.Join(" and ", sparkOrFlink)} HA run on a dedicated ZooKeeper ensemble, although the reference design has no ZooKeeper: {ZooKeeperComponent.WhyNotKeeper}.",
                "nothing to do; ClickHouse Keeper stays for ClickHouse only.", site.GroupSource("zookeeper"), "zookeeper");
    }
}
