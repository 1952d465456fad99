using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Superset;

public class SupersetRedisTests
{
    [Fact]
    public void Superset_asks_Sentinel_for_the_master_name_Sentinel_monitors()
    {
        var site = RenderedSites.Production;
        var monitor = site.FilesAt("/etc/redis/sentinel.conf").First().File.Content.Split('\n')
            .Single(l => l.StartsWith("sentinel monitor ", StringComparison.Ordinal)).Split(' ')[2];
        var superset = site.AllFiles.Where(x => x.File.Component == "superset" && x.File.Path.EndsWith("superset_config.py")).ToList();
        superset.ShouldNotBeEmpty();
        foreach (var (host, file) in superset)
        {
            file.Content.ShouldContain($"\"CACHE_REDIS_SENTINEL_MASTER\": \"{monitor}\"", customMessage: host.Name);
            file.Content.ShouldContain($"master_for(\"{monitor}\"", customMessage: host.Name);
        }
    }
}
