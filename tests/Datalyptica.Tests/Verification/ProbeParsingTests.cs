using System.Net;
using System.Text;
using Datalyptica.Components.Keepalived;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.Redis;
using Datalyptica.Components.ZooKeeper;
using Datalyptica.Contracts.Health;
using Datalyptica.Verification;

namespace Datalyptica.Tests.Verification;

/// <summary>
/// The probes' parsers on real captured answers: systemctl, ip, nft and chronyc from a lab host (Debian 12 under
/// systemd-nspawn), Patroni's /cluster as Patroni 3.x serves it (rest_api.rst), srvr from ZooKeeper 3.8, RESP bytes.
/// </summary>
public class ProbeParsingTests
{
    // `systemctl show --no-pager -p Id -p LoadState -p ActiveState -p SubState ssh kafka-broker systemd-networkd` on lab01.
    private const string SystemctlShow = """
        Id=ssh.service
        LoadState=loaded
        ActiveState=active
        SubState=running

        Id=kafka-broker.service
        LoadState=not-found
        ActiveState=inactive
        SubState=dead

        Id=systemd-networkd.service
        LoadState=loaded
        ActiveState=active
        SubState=running
        """;

    [Fact]
    public void Systemctl_show_blocks_map_to_the_units_asked_for_in_order()
    {
        var states = UnitStates.Parse(SystemctlShow, ["sshd", "kafka-broker", "systemd-networkd"]);
        states["sshd"].ShouldBe(new UnitState("sshd", "loaded", "active", "running")); // an alias keeps the name asked for
        states["kafka-broker"].Exists.ShouldBeFalse();
        states["kafka-broker"].Active.ShouldBeFalse();
        states["systemd-networkd"].Active.ShouldBeTrue();
        UnitStates.Command(["a", "b.service"]).ShouldBe("systemctl show --no-pager -p Id -p LoadState -p ActiveState -p SubState a.service b.service"); // Quote leaves safe words bare
        // A scheduled job is checked through its timer, which systemd must not read as c.timer.service.
        UnitStates.Command(["c.timer"]).ShouldBe("systemctl show --no-pager -p Id -p LoadState -p ActiveState -p SubState c.timer");
        UnitStates.Parse("garbage\n\nmore garbage", ["x"]).ShouldBeEmpty();
    }

    [Fact]
    public void An_artifact_component_without_a_source_is_not_deployed_and_a_distro_one_is_missing()
    {
        var host = LoopbackSite.Host("h1", ["kafka_broker", "etcd"]);
        var site = LoopbackSite.Of("vt", [host]);
        var kafka = Verifier.NotInstalled(site, Datalyptica.Components.ComponentCatalog.Get("kafka"), "kafka", host, ["kafka-broker"], TimeSpan.Zero);
        kafka.Status.ShouldBe(HealthStatus.NotDeployed);
        kafka.Detail.ShouldStartWith("not deployed: no package source (Kafka");
        var etcd = Verifier.NotInstalled(site, Datalyptica.Components.ComponentCatalog.Get("etcd"), "etcd", host, ["etcd"], TimeSpan.Zero);
        etcd.Status.ShouldBe(HealthStatus.Missing);
        etcd.Detail.ShouldBe("missing: no unit etcd on h1. Fix: datalyptica apply SITE");
        new VerifyReport("vt", [kafka], TimeSpan.Zero).AllHealthy.ShouldBeTrue();
        new VerifyReport("vt", [kafka, etcd], TimeSpan.Zero).AllHealthy.ShouldBeFalse();
    }

    [Fact]
    public void Ip_addr_output_says_which_host_holds_the_vip()
    {
        const string lab01 = "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n" +
            "1: lo    inet6 ::1/128 scope host noprefixroute \\       valid_lft forever preferred_lft forever\n" +
            "2: host0    inet 10.77.0.11/24 brd 10.77.0.255 scope global host0\\       valid_lft forever preferred_lft forever\n" +
            "2: host0    inet 10.77.0.100/24 scope global secondary host0\\       valid_lft forever preferred_lft forever\n";
        KeepalivedHealth.Holds(lab01, IPAddress.Parse("10.77.0.100")).ShouldBeTrue();
        KeepalivedHealth.Holds(lab01, IPAddress.Parse("10.77.0.10")).ShouldBeFalse(); // a prefix of an address is not the address
        KeepalivedHealth.Holds("", IPAddress.Parse("10.77.0.100")).ShouldBeFalse();
    }

    [Fact]
    public void Chronyc_tracking_and_nft_tables_are_read_as_captured_on_a_lab_host()
    {
        const string unsynchronised = """
            Reference ID    : 00000000 ()
            Stratum         : 0
            Ref time (UTC)  : Thu Jan 01 00:00:00 1970
            System time     : 0.000000000 seconds fast of NTP time
            Last offset     : +0.000000000 seconds
            Leap status     : Not synchronised
            """;
        var tracking = OsBaseHealth.ParseTracking(unsynchronised)!;
        tracking.Synchronised.ShouldBeFalse();
        tracking.Reference.ShouldBe("00000000 ()");
        OsBaseHealth.ParseTracking(unsynchronised.Replace("Not synchronised", "Normal"))!.Synchronised.ShouldBeTrue();
        OsBaseHealth.ParseTracking("506 Cannot talk to daemon").ShouldBeNull();

        OsBaseHealth.HasTable("table inet datalyptica\n").ShouldBeTrue();
        OsBaseHealth.HasTable("table inet filter\ntable ip nat\n").ShouldBeFalse();
    }

    // Patroni 3.x GET /cluster (shape from Patroni's rest_api.rst): a leader, a synchronous standby, an async replica.
    private const string ClusterJson = """
        {"members": [
          {"name": "db1", "role": "leader", "state": "running", "api_url": "http://10.0.0.1:8008/patroni", "host": "10.0.0.1", "port": 5432, "timeline": 3},
          {"name": "db2", "role": "sync_standby", "state": "streaming", "api_url": "http://10.0.0.2:8008/patroni", "host": "10.0.0.2", "port": 5432, "timeline": 3, "lag": 0},
          {"name": "db3", "role": "replica", "state": "running", "api_url": "http://10.0.0.3:8008/patroni", "host": "10.0.0.3", "port": 5432, "timeline": 3, "lag": 4096}
        ], "scope": "vt-pg"}
        """;

    [Fact]
    public void Patroni_cluster_with_one_leader_and_a_sync_standby_passes_and_each_fault_fails_with_its_reason()
    {
        var members = PatroniCluster.Parse(ClusterJson);
        members.Select(m => m.Role).ShouldBe(["leader", "sync_standby", "replica"]);
        var ok = PatroniCluster.Judge(members, new(["db1", "db2", "db3"], Synchronous: true, SyncCount: 1)).ToDictionary(j => j.Check, j => j.Outcome);
        ok["leader"].ShouldBe(ProbeOutcome.Ok("one leader: db1 (running)"));
        ok["sync standby"].ShouldBe(ProbeOutcome.Ok("db2 (want 1)"));
        ok["members"].ShouldBe(ProbeOutcome.Ok("3 of 3 running; lag db3 4096 B"));

        var noSync = PatroniCluster.Parse(ClusterJson.Replace("sync_standby", "replica"));
        PatroniCluster.Judge(noSync, new(["db1", "db2", "db3"], true, 1)).Single(j => j.Check == "sync standby").Outcome.Status.ShouldBe(HealthStatus.Failed);

        var twoLeaders = PatroniCluster.Parse(ClusterJson.Replace("\"sync_standby\"", "\"leader\""));
        PatroniCluster.Judge(twoLeaders, new(["db1", "db2", "db3"], true, 1)).Single(j => j.Check == "leader").Outcome
            .ShouldBe(ProbeOutcome.Fail("2 leaders (db1, db2); want exactly 1"));

        var stopped = PatroniCluster.Parse(ClusterJson.Replace("\"state\": \"running\", \"api_url\": \"http://10.0.0.3", "\"state\": \"stopped\", \"api_url\": \"http://10.0.0.3"));
        PatroniCluster.Judge(stopped, new(["db1", "db2", "db3", "db4"], true, 1)).Single(j => j.Check == "members").Outcome.Detail
            .ShouldStartWith("2 of 4 running; not running: db3 (stopped), db4 (absent)");
        Should.Throw<InvalidDataException>(() => PatroniCluster.Parse("{\"scope\": \"x\"}"));
    }

    [Fact]
    public void ZooKeeper_srvr_mode_is_read_and_garbage_has_none()
    {
        const string srvr = "Zookeeper version: 3.8.0-5a02a05eddb59aee6ac762f7ea82e92a68eb9c0f, built on 2022-02-25 08:49 UTC\n" +
            "Latency min/avg/max: 0/0.0/0\nReceived: 3\nSent: 2\nConnections: 1\nOutstanding: 0\nZxid: 0x100000000\nMode: follower\nNode count: 5\n";
        ZooKeeperHealth.ParseMode(srvr).ShouldBe("follower");
        ZooKeeperHealth.ParseMode("srvr is not executed because it is not in the whitelist.\n").ShouldBeNull();
    }

    [Fact]
    public async Task Resp_replies_from_redis_are_read()
    {
        static async Task<RespValue> Read(string bytes) => await new RespReader(new MemoryStream(Encoding.UTF8.GetBytes(bytes))).ReadAsync(CancellationToken.None);
        // INFO replication arrives as one bulk string with CRLF lines; RedisReplication reads its text.
        var info = await Read("$48\r\n# Replication\r\nrole:master\r\nconnected_slaves:1\r\n\r\n");
        RedisReplication.Parse(info.Text!).ShouldBe(new RedisReplication("master", 1, -1, null, null, null, false, null));
        RedisHealth.ParseMasterAddress(await Read("*2\r\n$9\r\n127.0.0.1\r\n$4\r\n6379\r\n")).ShouldBe("127.0.0.1:6379");
        RedisHealth.ParseMasterAddress(await Read("*-1\r\n")).ShouldBeNull();
        (await Read("-WRONGPASS invalid username-password pair\r\n")).IsError.ShouldBeTrue();
        await Should.ThrowAsync<EndOfStreamException>(() => Read("*2\r\n$9\r\n127.0"));
    }

    [Fact]
    public void Prometheus_text_values_match_the_metric_name_exactly()
    {
        const string metrics = "# HELP etcd_server_has_leader x\netcd_server_has_leader 1\netcd_server_has_leader_changes 3\n" +
            "etcd_network_active_peers{Local=\"a\",Remote=\"b\"} 1\netcd_network_active_peers{Local=\"a\",Remote=\"c\"} 0\n";
        PrometheusText.Values(metrics, "etcd_server_has_leader").ShouldBe([("", 1.0)]);
        Datalyptica.Components.Etcd.EtcdHealth.ParseMetrics(metrics).ShouldBe(new Datalyptica.Components.Etcd.EtcdHealth.MemberView(true, false, 1));
    }
}
