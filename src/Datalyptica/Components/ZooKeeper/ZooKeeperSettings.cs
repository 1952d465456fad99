using Datalyptica.Contracts;

namespace Datalyptica.Components.ZooKeeper;

public static class ZooKeeperSettings
{
    public static readonly IntSetting HeapMb = new("zookeeper_heap_mb", null, 256, 32768, "JVM heap", "MB")
        { Scope = SettingScope.Host, DefaultDescription = "a quarter of the RAM the host has left, 512..2048 MB" };

    /// <summary>
    /// tickTime: the unit of ZooKeeper's heartbeats and timeouts. A leader that stops answering is dropped after
    /// syncLimit (5) ticks, a follower gets initLimit (10) ticks to sync at start (zookeeperAdmin.html, "Minimum Configuration").
    /// </summary>
    public static readonly IntSetting TickMs = new("zookeeper_tick_ms", 2000, 200, 10000,
        "ZooKeeper's tickTime; a leader that stops answering is dropped after 5 ticks, a member gets 10 ticks to sync at start", "ms");

    public static readonly IReadOnlyList<SettingSpec> All = [HeapMb, TickMs];
}
