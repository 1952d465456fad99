using Datalyptica.Components.ClickHouse;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.ZooKeeper;

/// <summary>
/// When Spark or Flink HA finds no ZooKeeper but the site has ClickHouse Keeper, "add ZooKeeper" alone invites
/// "why not use Keeper?": say why Keeper cannot serve them (DL302) instead of the generic missing dependency.
/// </summary>
internal static class ZooKeeperMissingFinding
{
    public static Diagnostic? For(Site site, ComponentDefinition dependent, SourceRef? source)
    {
        if (!site.HostsWith(ClickHouseComponent.Keeper).Any()) return null;
        var group = ZooKeeperComponent.Member.Group;
        return new Diagnostic(FindingCodes.ZooKeeperOnlyKeeper,
            $"{dependent.DisplayName} HA needs ZooKeeper and the site has only ClickHouse Keeper. {ZooKeeperComponent.WhyNotKeeper}.",
            $"add a 3-member group '{group}' (the coordination tier has room: 2181/2888/3888 collide with nothing there).",
            source, group);
    }
}
