using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Components.Kafka;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Rendering;
using Datalyptica.Tests.Components.Kafka;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Spark;

/// <summary>
/// Development puts several JVMs on one 32 GB VM (Kafka controller + broker + Schema Registry; Spark master, worker and
/// history + Flink JobManager and TaskManager; Trino next to ClickHouse; Nessie next to Airflow and friends). The memory
/// the rendered files give these JVMs must fit the host together with the roles other renderers own.
/// </summary>
public partial class CoLocatedJvmMemoryTests
{
    private static readonly string[] Mine = ["kafka", "schema_registry", "spark", "flink", "trino", "nessie"];

    [GeneratedRegex(@"MemoryMax=(\d+)M")]
    private static partial Regex MemoryMax();

    /// <summary>MB the files on a host let this team's JVMs use: unit caps, or the heap where a unit has no cap (Kafka: the rest is page cache).</summary>
    private static int RenderedMb(IEnumerable<RenderedFile> files)
    {
        var total = 0;
        foreach (var f in files.Where(f => Mine.Contains(f.Component)))
        {
            if (f.Kind == FileKind.SystemdUnit && MemoryMax().Match(f.Content) is { Success: true } m) total += int.Parse(m.Groups[1].Value);
            if (f.Path is var p && (p == KafkaRenderer.BrokerEnv || p == KafkaRenderer.ControllerEnv)) total += Jvm.MaxHeapMb(f.Content);
        }
        return total;
    }

    [Fact]
    public void Development_JVMs_fit_each_host_with_the_other_roles_declared_needs()
    {
        var site = RenderedSites.Development;
        var checkedHosts = 0;
        foreach (var (host, files) in site.Hosts)
        {
            var mine = RenderedMb(files);
            if (mine == 0) continue;
            checkedHosts++;
            var others = host.Roles.Distinct().Where(r => !Mine.Contains(r.Component.Id)).Sum(r => r.Needs.RamGb);
            var free = (int)((host.RamGb - OsBase.Reserve.RamGb - others) * 1024);
            mine.ShouldBeLessThanOrEqualTo(free, $"{host.Name}: {mine} MB for Kafka/Spark/Flink/Trino/Nessie JVMs, {free} MB left after the OS and {others} GB for other roles");
            // And never more than this team's proportional share of the host.
            var share = host.Roles.Distinct().Where(r => Mine.Contains(r.Component.Id)).Sum(r => RoleBudget.RamMb(host, r));
            mine.ShouldBeLessThanOrEqualTo(share + 256 * files.Count(f => f.Component == "flink" && f.Kind == FileKind.SystemdUnit), host.Name);
        }
        checkedHosts.ShouldBeGreaterThanOrEqualTo(10);
    }

    [Fact]
    public void Every_heap_is_below_its_units_memory_cap()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        foreach (var (host, files) in site.Hosts)
        {
            var units = files.Where(f => Mine.Contains(f.Component) && f.Kind == FileKind.SystemdUnit && MemoryMax().IsMatch(f.Content)).ToList();
            foreach (var unit in units)
            {
                var cap = int.Parse(MemoryMax().Match(unit.Content).Groups[1].Value);
                var heapFile = unit.Component switch
                {
                    "trino" => files.Single(f => f.Path == Datalyptica.Components.Trino.TrinoRenderer.JvmPath),
                    "nessie" => files.Single(f => f.Path == Datalyptica.Components.Nessie.NessieRenderer.EnvPath),
                    "schema_registry" => files.Single(f => f.Path == Datalyptica.Components.SchemaRegistry.SchemaRegistryRenderer.EnvPath),
                    _ => null,
                };
                if (heapFile is not null) Jvm.MaxHeapMb(heapFile.Content).ShouldBeLessThan(cap, $"{host.Name}: {unit.Path}");
            }
        }
    }

    [Fact]
    public void These_components_render_for_1000_hosts()
    {
        var site = RenderedSites.Generated1000.Site;
        // Speed is measured by bench/scale.sh; here: they render for the whole site.
        Mine.Sum(id => SiteRenderer.Render(site, componentId: id).Sum(h => h.Files.Count)).ShouldBeGreaterThan(2000);
    }
}
