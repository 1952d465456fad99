using System.Net;
using Datalyptica.Contracts.Health;
using Datalyptica.Secrets;
using Npgsql;

namespace Datalyptica.Contracts.Drilling;

/// <summary>
/// A client that only knows the VIP: one INSERT about every <see cref="Interval"/> through VIP:5000, a fresh connection
/// after any error, each acknowledged row's key recorded in the ledger. Rows carry the drill's run id, so counting the
/// rows present afterwards is exact.
/// </summary>
public sealed class PostgresWriter(IPAddress vip, int port, Secret password, string run, WriteLedger ledger)
{
    public const string Table = "datalyptica_drill_writes";
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>This writer's run: its rows' key, so another site's writer can count them (a promoted DR standby).</summary>
    public string Run => run;

    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = vip.ToString(), Port = port, Username = Components.PostgreSQL.PostgresLayout.Superuser, Password = password.Reveal(),
        // 1 s to connect: while no server is UP, HAProxy holds a new connection, and a longer client timeout would blur
        // when writes really came back by up to its own length (with 2 s, the patroni-stop outage ended on a 2 s timeout).
        Database = "postgres", Pooling = false, Timeout = 1, CommandTimeout = 3, SslMode = SslMode.Disable, KeepAlive = 1,
        ApplicationName = "datalyptica-drill",
    }.ConnectionString;

    public async Task EnsureTableAsync(CancellationToken cancellation)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand(
            $"CREATE TABLE IF NOT EXISTS {Table} (run text NOT NULL, seq bigint NOT NULL, written timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run, seq))", connection);
        await command.ExecuteNonQueryAsync(cancellation);
    }

    /// <summary>Writes until cancelled; never throws for a failed write (that is what the drill measures).</summary>
    public async Task RunAsync(CancellationToken cancellation)
    {
        NpgsqlConnection? connection = null;
        long seq = 0;
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                var started = ledger.Now;
                seq++;
                try
                {
                    if (connection is null)
                    {
                        connection = new NpgsqlConnection(ConnectionString);
                        await connection.OpenAsync(cancellation);
                    }
                    await using var command = new NpgsqlCommand($"INSERT INTO {Table} (run, seq) VALUES (@run, @seq)", connection);
                    command.Parameters.AddWithValue("run", run);
                    command.Parameters.AddWithValue("seq", seq);
                    await command.ExecuteNonQueryAsync(cancellation);
                    ledger.Record(new WriteAttempt(started, ledger.Now, seq, true));
                }
                catch (Exception e) when (!cancellation.IsCancellationRequested)
                {
                    ledger.Record(new WriteAttempt(started, ledger.Now, seq, false, Describe(e)));
                    if (connection is not null) await connection.DisposeAsync();
                    connection = null;
                }
                catch (OperationCanceledException) { break; }
                var wait = Interval - (ledger.Now - started);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellation).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        finally
        {
            if (connection is not null) await connection.DisposeAsync();
        }
    }

    // The SQLSTATE or the socket error says which phase failed (refused connect, cut session, read-only standby).
    private static string Describe(Exception e) => e switch
    {
        PostgresException p => p.SqlState,
        NpgsqlException { InnerException: System.Net.Sockets.SocketException s } => s.SocketErrorCode.ToString(),
        NpgsqlException { InnerException: TimeoutException } => "timeout",
        NpgsqlException { InnerException: IOException } => "connection closed",
        _ => e.GetType().Name,
    };

    /// <summary>Removes this run's rows once they are counted (the table stays, empty, for the next drill).</summary>
    public async Task<int> DeleteRunAsync(CancellationToken cancellation)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand($"DELETE FROM {Table} WHERE run = @run", connection);
        command.Parameters.AddWithValue("run", run);
        return await command.ExecuteNonQueryAsync(cancellation);
    }

    /// <summary>The keys of this run's rows present now (read through the VIP, from the leader).</summary>
    public async Task<IReadOnlyCollection<long>> PresentKeysAsync(CancellationToken cancellation)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand($"SELECT seq FROM {Table} WHERE run = @run", connection);
        command.Parameters.AddWithValue("run", run);
        var keys = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) keys.Add(reader.GetInt64(0));
        return keys;
    }
}

/// <summary>
/// A Redis client with Sentinel discovery: asks the Sentinels for the master of <paramref name="masterName"/>, SETs one
/// key about every 50 ms there, and asks again after any error (the way Sentinel-aware client libraries do).
/// A tiny RESP client (verify's) on purpose: the drill must see exactly when a write was acknowledged.
/// </summary>
public sealed class RedisWriter(IReadOnlyList<IPEndPoint> sentinels, string masterName, Secret password, string run, WriteLedger ledger,
    Func<IPEndPoint, CancellationToken, Task<IPEndPoint>>? route = null)
{
    /// <summary>
    /// Where a connection to a Redis or Sentinel address really goes: the address itself, or a local SSH forward through
    /// a platform host (the rendered firewall admits Redis and Sentinel only from the platform's own hosts).
    /// </summary>
    public Task<IPEndPoint> RouteAsync(IPEndPoint target, CancellationToken cancellation) =>
        route is null ? Task.FromResult(target) : route(target, cancellation);

    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// 0: a write is acknowledged when SET answers OK. N: SET is followed by WAIT N (1 s) in the same round trip, and the
    /// write counts as acknowledged only when N replicas confirmed it, the way a client that must not lose a write checks
    /// Redis's asynchronous replication (redis.io, WAIT).
    /// </summary>
    public int ConfirmReplicas { get; init; }

    public string Key(long seq) => $"datalyptica:drill:{run}:{seq}";

    /// <summary>Drill keys expire after an hour: long after the drill has counted them, and no site keeps them.</summary>
    public const string KeySeconds = "3600";

    /// <summary>The master the first answering Sentinel names; null when none answers.</summary>
    public async Task<IPEndPoint?> DiscoverAsync(CancellationToken cancellation)
    {
        foreach (var sentinel in sentinels)
        {
            try
            {
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                limit.CancelAfter(TimeSpan.FromMilliseconds(500));
                var reply = (await ProbeClients.RedisAsync(await RouteAsync(sentinel, limit.Token), null, [["SENTINEL", "get-master-addr-by-name", masterName]], limit.Token))[0];
                if (reply.Items is [{ Text: { } host }, { Text: { } port }]) return new IPEndPoint(IPAddress.Parse(host), int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested && e is not null) { }
        }
        return null;
    }

    public async Task<RespValue> CommandAsync(IPEndPoint server, string[] command, CancellationToken cancellation, TimeSpan? timeout = null) =>
        (await CommandsAsync(server, [command], cancellation, timeout))[0];

    /// <summary>Several commands in one round trip (pipelined), their replies in order.</summary>
    public async Task<IReadOnlyList<RespValue>> CommandsAsync(IPEndPoint server, IReadOnlyList<string[]> commands, CancellationToken cancellation, TimeSpan? timeout = null)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(timeout ?? TimeSpan.FromSeconds(1));
        return await ProbeClients.RedisAsync(await RouteAsync(server, limit.Token), password, commands, limit.Token);
    }

    /// <summary>Writes until cancelled; every acknowledged SET is recorded with its sequence number.</summary>
    public async Task RunAsync(long firstSeq, CancellationToken cancellation)
    {
        IPEndPoint? master = null;
        var seq = firstSeq;
        while (!cancellation.IsCancellationRequested)
        {
            var started = ledger.Now;
            seq++;
            try
            {
                master ??= await DiscoverAsync(cancellation) ?? throw new InvalidOperationException("no Sentinel answered");
                string[] set = ["SET", Key(seq), started.TotalMilliseconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture), "EX", KeySeconds];
                IReadOnlyList<RespValue> replies = ConfirmReplicas == 0
                    ? [await CommandAsync(master, set, cancellation)]
                    : await CommandsAsync(master, [set, ["WAIT", ConfirmReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture), "1000"]], cancellation, TimeSpan.FromSeconds(2));
                if (replies[0].IsError || replies[0].Text != "OK") throw new RedisRefusedException($"SET answered {replies[0]}");
                // Written on the master but not confirmed by enough replicas: not acknowledged, and the master is still the one to ask.
                var confirmed = ConfirmReplicas == 0 || (replies[1].Integer ?? 0) >= ConfirmReplicas;
                ledger.Record(new WriteAttempt(started, ledger.Now, seq, confirmed, confirmed ? null : $"WAIT {replies[1]}"));
            }
            catch (Exception e) when (!cancellation.IsCancellationRequested)
            {
                // A refusal keeps its words (NOREPLICAS tells a partitioned master from a dead one); anything else its type.
                ledger.Record(new WriteAttempt(started, ledger.Now, seq, false, e is RedisRefusedException ? e.Message : e.GetType().Name));
                master = null;
            }
            catch (OperationCanceledException) { break; }
            var wait = Interval - (ledger.Now - started);
            if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellation).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>How many of <paramref name="keys"/> exist on <paramref name="server"/> (EXISTS in batches), and which do not.</summary>
    public async Task<IReadOnlyList<long>> MissingOnAsync(IPEndPoint server, IReadOnlyList<long> keys, CancellationToken cancellation)
    {
        var missing = new List<long>();
        foreach (var batch in keys.Chunk(200))
        {
            // One EXISTS per key in one round trip: the replies say exactly which are missing.
            var replies = await ProbeClients.RedisAsync(await RouteAsync(server, cancellation), password, batch.Select(k => new[] { "EXISTS", Key(k) }), cancellation);
            for (var i = 0; i < batch.Length; i++)
                if (replies[i].Integer != 1) missing.Add(batch[i]);
        }
        return missing;
    }
}

/// <summary>Redis answered a write with an error (NOREPLICAS, READONLY, ...): its words are kept in the write ledger.</summary>
public sealed class RedisRefusedException(string message) : Exception(message);
