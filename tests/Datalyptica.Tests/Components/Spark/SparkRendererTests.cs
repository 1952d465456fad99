using Datalyptica.Components;
using Datalyptica.Components.Nessie;
using Datalyptica.Components.Spark;
using Datalyptica.Components.ZooKeeper;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Tests.Components.Kafka;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Spark;

/// <summary>Spark files parsed back (Spark cannot be installed here: no release archive in Debian, NuGet or npm); spark-env.sh via bash -n, units via systemd-analyze verify.</summary>
public class SparkRendererTests
{
    private static Dictionary<string, string> Env(string text) =>
        text.Split('\n').Where(l => l.Length > 0 && l[0] != '#' && l.Contains('=')).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..].Trim('"'));

    [Fact]
    public void Recovery_uses_every_ZooKeeper_member_and_the_master_url_lists_every_master_with_its_port()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        {
            var zk = string.Join(',', site.Site.HostsWith(ZooKeeperComponent.Member).Select(h => $"{h.Address}:{h.Port(ZooKeeperComponent.Client)}"));
            var url = "spark://" + string.Join(',', site.Site.HostsWith(SparkComponent.Master).Select(h => $"{h.Address}:{h.Port(SparkComponent.MasterPort)}"));
            foreach (var (host, file) in site.FilesAt(SparkRenderer.EnvPath))
            {
                var env = Env(file.Content);
                env["SPARK_DAEMON_JAVA_OPTS"].ShouldBe($"-Dspark.deploy.recoveryMode=ZOOKEEPER -Dspark.deploy.zookeeper.url={zk} -Dspark.deploy.zookeeper.dir=/spark");
                if (host.Has(SparkComponent.Master))
                {
                    env["SPARK_MASTER_HOST"].ShouldBe(host.Address.ToString());
                    env["SPARK_MASTER_PORT"].ShouldBe(host.Port(SparkComponent.MasterPort).ToString());
                    env["SPARK_MASTER_WEBUI_PORT"].ShouldBe(host.Port(SparkComponent.MasterUi).ToString());
                }
                if (host.Has(SparkComponent.Worker))
                {
                    env["SPARK_WORKER_WEBUI_PORT"].ShouldBe(host.Port(SparkComponent.WorkerUi).ToString());
                    env["SPARK_WORKER_OPTS"].ShouldContain("-Dspark.worker.cleanup.enabled=true");
                    site.File(host.Name, PlatformPaths.Unit("spark-worker")).Content.ShouldContain($"Worker {url}\n");
                }
                var check = Tool.Run("bash", ["-n"], stdin: file.Content);
                check.ExitCode.ShouldBe(0, check.Output);
            }
            foreach (var (_, file) in site.FilesAt(SparkRenderer.DefaultsPath))
                JavaProperties.Parse(file.Content)["spark.master"].ShouldBe(url);
        }
    }

    [Fact]
    public void A_moved_master_port_reaches_every_client()
    {
        var dev = RenderedSites.Development.Site;
        var master = dev.HostsWith(SparkComponent.Master).Last();
        var (_, hosts) = ArtifactUnitCheck.WithHostVars(dev, master.Name, new Dictionary<string, object> { ["spark_master_port"] = 7177 });
        foreach (var f in hosts.SelectMany(h => h.Files).Where(f => f.Path == SparkRenderer.DefaultsPath))
            JavaProperties.Parse(f.Content)["spark.master"].ShouldContain($"{master.Address}:7177");
    }

    [Fact]
    public void Worker_cores_and_memory_are_the_host_share_after_co_located_roles()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        foreach (var (host, file) in site.FilesAt(SparkRenderer.EnvPath).Where(x => x.Host.Has(SparkComponent.Worker)))
        {
            var env = Env(file.Content);
            var cores = int.Parse(env["SPARK_WORKER_CORES"]);
            cores.ShouldBeInRange(1, host.VCpu);
            var memory = Jvm.Mb(env["SPARK_WORKER_MEMORY"]);
            (memory + SparkRenderer.DaemonMemoryMb).ShouldBeLessThanOrEqualTo(RoleBudget.RamMb(host, SparkComponent.Worker));
            // A dedicated worker gets every core (the log shipper every host of a site with Loki runs is in the OS reserve).
            if (host.Roles.Where(r => r.OnEveryHostWith is null).Distinct().Count() == 1) cores.ShouldBe(host.VCpu);
            else cores.ShouldBeLessThan(host.VCpu);                             // development shares with Flink and the masters
        }
    }

    [Fact]
    public void Defaults_point_Iceberg_at_Nessie_through_the_VIP_and_the_object_store()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        {
            var store = site.Site.ObjectStore!;
            var nessie = NessieRenderer.ApiUri(new RenderContext(new SiteIndex(site.Site), site.Site.Hosts[0]));
            nessie.ShouldStartWith($"http://{site.Site.Vips[0].Address}:");
            foreach (var (host, file) in site.FilesAt(SparkRenderer.DefaultsPath))
            {
                var p = JavaProperties.Parse(file.Content);
                p["spark.sql.catalog.nessie.uri"].ShouldBe(nessie);
                p["spark.sql.catalog.nessie.warehouse"].ShouldBe($"s3://{store.Buckets["warehouse"]}/");
                p["spark.sql.catalog.nessie.s3.endpoint"].ShouldBe(store.Endpoint);
                p["spark.eventLog.dir"].ShouldBe($"s3a://{store.Buckets["logs"]}/spark-events");
                p["spark.history.fs.logDirectory"].ShouldBe(p["spark.eventLog.dir"]);
                p["spark.hadoop.fs.s3a.secret.key"].ShouldBe(SecretPlaceholder.For(store.SecretKey.VarName));
                file.Mode.ShouldBe(Modes.Private);
                file.Group.ShouldBe(SparkRenderer.User);
            }
            // spark-env.sh is world-readable, so it must hold no secret.
            site.FilesAt(SparkRenderer.EnvPath).ShouldAllBe(x => !x.File.ContainsSecrets);
        }
    }

    [Fact]
    public void Units_pass_systemd_analyze_verify()
    {
        foreach (var site in new[] { RenderedSites.Production, RenderedSites.Development })
            ArtifactUnitCheck.Verify(site.AllFiles.Where(x => x.File.Component == "spark" && x.File.Kind == FileKind.SystemdUnit));
    }
}
