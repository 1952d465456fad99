using Datalyptica.Components;
using Datalyptica.Components.Flink;
using Datalyptica.Components.ZooKeeper;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Tests.Components.Kafka;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Flink;

/// <summary>Flink's config.yaml parsed back with a YAML parser (Flink cannot be installed here: no release archive in Debian, NuGet or npm); units via systemd-analyze verify.</summary>
public class FlinkRendererTests
{
    private static Dictionary<object, object> Yaml(string text) => (Dictionary<object, object>)YamlText.Parse(text)!;

    [Fact]
    public void HA_uses_every_ZooKeeper_member_and_one_cluster_id_and_S3_storage()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        {
            var zk = string.Join(',', site.Site.HostsWith(ZooKeeperComponent.Member).Select(h => $"{h.Address}:{h.Port(ZooKeeperComponent.Client)}"));
            var files = site.FilesAt(FlinkRenderer.ConfigPath).ToList();
            files.ShouldNotBeEmpty();
            foreach (var (host, file) in files)
            {
                var c = Yaml(file.Content);
                c["high-availability.type"].ShouldBe("zookeeper");
                c["high-availability.zookeeper.quorum"].ShouldBe(zk);
                c["high-availability.zookeeper.path.root"].ShouldBe("/flink");
                ((string)c["high-availability.storageDir"]).ShouldStartWith($"s3://{site.Site.ObjectStore!.Buckets["staging"]}/");
                ((string)c["execution.checkpointing.dir"]).ShouldStartWith("s3://");
                ((string)c["execution.checkpointing.savepoint-dir"]).ShouldStartWith("s3://");
                c["state.backend.type"].ShouldBe("rocksdb");
                c["execution.checkpointing.incremental"].ShouldBe("true");
                c["restart-strategy.type"].ShouldBe("exponential-delay");
                c["s3.secret-key"].ShouldBe(SecretPlaceholder.For(site.Site.ObjectStore.SecretKey.VarName));
                file.Mode.ShouldBe(Modes.Private);
                // 1.20 names only: the deprecated ones must not be mixed in (FLINK-34255).
                c.Keys.Cast<string>().ShouldNotContain(k => k == "state.checkpoints.dir" || k == "state.savepoints.dir" || k == "state.backend");
            }
            files.Select(f => Yaml(f.File.Content)["high-availability.cluster-id"]).Distinct().ShouldHaveSingleItem();
        }
    }

    [Fact]
    public void JobManagers_use_their_own_address_and_ports_including_the_moved_rest_port()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        {
            var masters = string.Concat(site.Site.HostsWith(FlinkComponent.JobManager).Select(h => $"{h.Address}:{h.Port(FlinkComponent.Rest)}\n"));
            foreach (var (host, file) in site.FilesAt(FlinkRenderer.ConfigPath).Where(x => x.Host.Has(FlinkComponent.JobManager)))
            {
                var c = Yaml(file.Content);
                c["jobmanager.rpc.address"].ShouldBe(host.Address.ToString());
                c["rest.port"].ShouldBe(host.Port(FlinkComponent.Rest).ToString());
                c["jobmanager.rpc.port"].ShouldBe(host.Port(FlinkComponent.Rpc).ToString());
                c["high-availability.jobmanager.port"].ShouldBe(host.Port(FlinkComponent.Rpc).ToString());
                c["blob.server.port"].ShouldBe(host.Port(FlinkComponent.Blob).ToString());
            }
            site.FilesAt(FlinkRenderer.MastersPath).ShouldAllBe(x => x.File.Content == masters);
            // Every TaskManager, once, on the JobManagers only (the cluster scripts' file; a copy per TaskManager grew as n²).
            var workers = string.Concat(site.Site.HostsWith(FlinkComponent.TaskManager).Select(h => $"{h.Address}\n"));
            var withWorkers = site.FilesAt(FlinkRenderer.WorkersPath).ToList();
            withWorkers.Select(x => x.Host.Name).ShouldBe(site.Site.HostsWith(FlinkComponent.JobManager).Select(h => h.Name), ignoreOrder: true);
            withWorkers.ShouldAllBe(x => x.File.Content == workers);
        }
        // Development moves Flink's REST port to 8082 on processing hosts (Spark's worker UI owns 8081 there).
        var dev = RenderedSites.Development;
        var jm = dev.Site.HostsWith(FlinkComponent.JobManager).First();
        Yaml(dev.File(jm.Name, FlinkRenderer.ConfigPath).Content)["rest.port"].ShouldBe("8082");
        dev.File(jm.Name, FlinkRenderer.MastersPath).Content.ShouldContain($"{jm.Address}:8082");
    }

    [Fact]
    public void Memory_and_slots_follow_the_host_share()
    {
        foreach (var site in ArtifactUnitCheck.CoreSites)
        foreach (var (host, file) in site.FilesAt(FlinkRenderer.ConfigPath))
        {
            var c = Yaml(file.Content);
            if (host.Has(FlinkComponent.TaskManager))
            {
                Jvm.Mb((string)c["taskmanager.memory.process.size"]).ShouldBeLessThanOrEqualTo(RoleBudget.RamMb(host, FlinkComponent.TaskManager));
                var slots = int.Parse((string)c["taskmanager.numberOfTaskSlots"]);
                slots.ShouldBe(RoleBudget.VCpu(host, FlinkComponent.TaskManager));
                if (host.Roles.Distinct().Count() == 1) slots.ShouldBe(host.VCpu);
            }
            if (host.Has(FlinkComponent.JobManager))
                Jvm.Mb((string)c["jobmanager.memory.process.size"]).ShouldBeLessThanOrEqualTo(RoleBudget.RamMb(host, FlinkComponent.JobManager));
        }
    }

    [Fact]
    public void Units_pass_systemd_analyze_verify()
    {
        foreach (var site in new[] { RenderedSites.Production, RenderedSites.Development })
            ArtifactUnitCheck.Verify(site.AllFiles.Where(x => x.File.Component == "flink" && x.File.Kind == FileKind.SystemdUnit));
    }
}
