using Datalyptica.Components.Redis;

namespace Datalyptica.Tests.Components.Redis;

/// <summary>
/// The one reading of INFO replication, shared by verify, the redis-crash drill and the rolling-restart gate, on answers
/// captured from redis-server 7.0.15 (a master and its replica on loopback, CRLF as redis-cli prints them) and on garbage.
/// </summary>
public sealed class RedisReplicationTests
{
    private const string Master =
        "# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=127.0.0.1,port=16392,state=online,offset=64,lag=0\r\n" +
        "master_failover_state:no-failover\r\nmaster_replid:e4482b77b4c12b114284ede234276b252708d6fc\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n" +
        "master_repl_offset:64\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:1\r\nrepl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:1\r\nrepl_backlog_histlen:64\r\n";

    private const string Replica =
        "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:16391\r\nmaster_link_status:up\r\nmaster_last_io_seconds_ago:0\r\n" +
        "master_sync_in_progress:0\r\nslave_read_repl_offset:64\r\nslave_repl_offset:64\r\nslave_priority:100\r\nslave_read_only:1\r\nreplica_announced:1\r\n" +
        "connected_slaves:0\r\nmaster_failover_state:no-failover\r\nmaster_replid:e4482b77b4c12b114284ede234276b252708d6fc\r\n" +
        "master_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:64\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:1\r\n" +
        "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:1\r\nrepl_backlog_histlen:64\r\n";

    // The same replica a moment after it started: still in its handshake with the master.
    private const string ReplicaHandshake =
        "# Replication\r\nrole:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:16391\r\nmaster_link_status:down\r\nmaster_last_io_seconds_ago:-1\r\n" +
        "master_sync_in_progress:0\r\nslave_read_repl_offset:1\r\nslave_repl_offset:1\r\nmaster_link_down_since_seconds:-1\r\nslave_priority:100\r\n" +
        "slave_read_only:1\r\nreplica_announced:1\r\nconnected_slaves:0\r\nmaster_repl_offset:0\r\n";

    [Fact]
    public void A_master_and_its_replica_are_read_and_both_serve()
    {
        var master = RedisReplication.Parse(Master);
        master.ShouldBe(new RedisReplication("master", 1, 64, null, null, null, false, null));
        master.ServingProblem().ShouldBeNull();
        var replica = RedisReplication.Parse(Replica);
        replica.ShouldBe(new RedisReplication("slave", 0, 64, "127.0.0.1", 16391, "up", false, 64));
        replica.MasterAddress.ShouldBe("127.0.0.1:16391");
        replica.ServingProblem().ShouldBeNull();
        // The same text with LF only (a file or another client) reads the same.
        RedisReplication.Parse(Replica.Replace("\r\n", "\n")).ShouldBe(replica);
    }

    [Fact]
    public void A_replica_in_its_handshake_does_not_serve_yet()
    {
        RedisReplication.Parse(ReplicaHandshake).ServingProblem().ShouldBe("replica of 127.0.0.1:16391, link down");
        RedisReplication.ServingProblem(ReplicaHandshake).ShouldBe("replica of 127.0.0.1:16391, link down");
        RedisReplication.ServingProblem(Replica).ShouldBeNull();
        RedisReplication.ServingProblem(Master).ShouldBeNull();
    }

    [Fact]
    public void In_sync_needs_every_replica_linked_to_this_master_at_its_offset()
    {
        var master = RedisReplication.Parse(Master);
        var replica = RedisReplication.Parse(Replica);
        RedisReplication.InSyncProblem("m", "127.0.0.1", master, [("r2", replica)]).ShouldBeNull();
        RedisReplication.InSyncProblem("m", "127.0.0.1", master, [("r2", replica), ("r3", replica)]).ShouldBe("m has 1 replica(s), expected 2");
        RedisReplication.InSyncProblem("m", "127.0.0.1", master, [("r2", RedisReplication.Parse(ReplicaHandshake))]).ShouldBe("r2: link to the master is down");
        RedisReplication.InSyncProblem("m", "127.0.0.1", master with { MasterReplOffset = 100 }, [("r2", replica)]).ShouldBe("r2 at offset 64, master at 100");
        RedisReplication.InSyncProblem("m", "127.0.0.1", master, [("r2", replica with { SyncInProgress = true })]).ShouldBe("r2: full sync in progress");
        RedisReplication.InSyncProblem("m", "127.0.0.1", replica, [("r2", replica)]).ShouldBe("m is not a master");
        RedisReplication.InSyncProblem("m", "127.0.0.1", master, [("r2", master)]).ShouldBe("r2 is not a replica");
        // 10.0.0.1 is a prefix of 10.0.0.11: the master's host is compared whole.
        var elsewhere = RedisReplication.Parse(Replica.Replace("master_host:127.0.0.1", "master_host:10.0.0.11"));
        RedisReplication.InSyncProblem("m", "10.0.0.1", master, [("r2", elsewhere)]).ShouldBe("r2 replicates from another master");
    }

    [Theory]
    [InlineData("")]
    [InlineData("NOAUTH Authentication required.\n")]
    [InlineData("Could not connect to Redis at 10.0.0.1:6379: Connection refused\n")]
    [InlineData("AUTH failed: WRONGPASS invalid username-password pair or user is disabled.\r\n")]
    [InlineData("# Replication\r\nrole:\r\n")]
    public void Garbage_has_no_role_and_never_passes_the_gate(string output)
    {
        Should.Throw<InvalidDataException>(() => RedisReplication.Parse(output));
        RedisReplication.ServingProblem(output).ShouldNotBeNull().ShouldContain("no role line");
    }
}
