using Datalyptica.Contracts;

namespace Datalyptica.Components.ZooKeeper;

public static class ZooKeeperSettings
{
    public static readonly IntSetting HeapMb = new("zookeeper_heap_mb", null, 256, 32768, "JVM heap", "MB")
        { Scope = SettingScope.Host, DefaultDescription = "a quarter of the RAM the host has left, 512..2048 MB" };

    public static readonly IReadOnlyList<SettingSpec> All = [HeapMb];
}
