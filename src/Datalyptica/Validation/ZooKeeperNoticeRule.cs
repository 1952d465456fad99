using Datalyptica.Components.Flink;
using Datalyptica.Components.Spark;
using Datalyptica.Components.Superset;
using Datalyptica.Components.ZooKeeper;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Says plainly where the platform departs from the seed's promises, so nobody is surprised later.</summary>
public sealed class ZooKeeperNoticeRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        var sparkOrFlink = site.Components.Where(c => c is SparkComponent or FlinkComponent).Select(c => c.DisplayName).ToList();
        if (sparkOrFlink.Count > 0 && site.HostsWith(ZooKeeperComponent.Member).Any())
            yield return new Diagnostic(FindingCodes.ZooKeeperForSparkFlink,
                $"{string.Join(" and ", sparkOrFlink)} HA run on a dedicated ZooKeeper ensemble, although the seed promised no ZooKeeper: {ZooKeeperComponent.WhyNotKeeper}.",
                "nothing to do; ClickHouse Keeper stays for ClickHouse only.", site.GroupSource("zookeeper"), "zookeeper");
        if (site.HostsWith(SupersetComponent.Server).Any())
            yield return new Diagnostic(FindingCodes.SupersetRoutedByHostName,
                $"Superset 4.1 cannot be served under /superset (sub-paths arrive in 5.0); it is routed by host name superset.{site.Domain} instead of the seed's path.",
                $"create a DNS record superset.{site.Domain} pointing at the load-balancer VIPs.", site.GroupSource("superset"), "superset");
    }
}
