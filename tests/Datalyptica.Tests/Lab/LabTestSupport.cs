using Datalyptica.Engine.Repository;
using Datalyptica.Lab;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// The lab end-to-end classes share the cached base image and the cached OS base repository; on a machine that has
/// neither yet, running them in parallel would build both twice into the same folders. One collection runs them in turn.
/// And alone: the drills assert limits of 1 and 2 s (vip-stop, vip-crash, etcd-stop; docs/DRILLS.md measured 1.37-1.80 s
/// for the 2 s one) on lab hosts that share the machine's cores, so a ZooKeeper JVM, PostgreSQL, Patroni or etcd another
/// test class boots beside them would be measured too (issue 19). xunit 2 runs a collection with DisableParallelization
/// after every parallel collection has finished, and such collections one at a time
/// (https://xunit.net/docs/running-tests-in-parallel). The test classes that boot those servers stop them in their own
/// Dispose (ServerProcess), so none outlives its test into the lab's turn.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LabCollection
{
    public const string Name = "lab hosts (one at a time, nothing beside them)";
}

internal static class LabTestOutput
{
    public static async Task TimedAsync(this Xunit.Abstractions.ITestOutputHelper output, string what, Func<Task> run)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        await run();
        output.WriteLine($"{what}: {watch.Elapsed.TotalSeconds:0.00} s");
    }

    /// <summary>Runs a CLI step and writes how long it took to the test output (lab steps are measured, never asserted on).</summary>
    public static Cli.CliResult Timed(this Xunit.Abstractions.ITestOutputHelper output, string what, Func<Cli.CliResult> run)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var result = run();
        output.WriteLine($"{what}: {watch.Elapsed.TotalSeconds:0.00} s");
        return result;
    }
}

/// <summary>
/// TEMPORARY, until the application-database contract (issue 14, branch i14-appdb: components declare their database and
/// role, apply creates them on the Patroni leader) covers JupyterHub: the lab tests create JupyterHub's role and database
/// themselves, as the site's superuser through the VIP's primary port, with the password from the site's vault. The
/// password travels only in the SQL sent over the connection (never argv or output); PostgreSQL 15 stores it as a
/// SCRAM-SHA-256 verifier (password_encryption). Delete this once JupyterHub declares its database.
/// </summary>
internal static class TemporaryAppDatabase
{
    public static async Task CreateJupyterHubAsync(string vip, IReadOnlyDictionary<string, Datalyptica.Secrets.Secret> secrets, CancellationToken cancellation)
    {
        var password = secrets["vault_jupyterhub_db_password"].Reveal();
        if (password.Contains('\'')) throw new InvalidOperationException("a generated password holds no quote");
        var connection = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = vip, Port = Datalyptica.Components.HAProxy.HAProxyComponent.PostgresPrimary.Number,
            Username = Datalyptica.Components.PostgreSQL.PostgresLayout.Superuser, Database = "postgres",
            Password = secrets[Datalyptica.Components.PostgreSQL.PostgresLayout.SuperuserPasswordKey].Reveal(), Timeout = 10, Pooling = false,
        }.ConnectionString;
        // Patroni's leader may still be settling right after the first apply: retry for a while.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var db = new Npgsql.NpgsqlConnection(connection);
                await db.OpenAsync(cancellation);
                await using (var role = new Npgsql.NpgsqlCommand(
                    $"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jupyterhub') THEN CREATE ROLE jupyterhub LOGIN PASSWORD '{password}'; END IF; END $$", db))
                    await role.ExecuteNonQueryAsync(cancellation);
                await using var exists = new Npgsql.NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = 'jupyterhub'", db);
                if ((long)(await exists.ExecuteScalarAsync(cancellation))! == 0)
                {
                    await using var create = new Npgsql.NpgsqlCommand("CREATE DATABASE jupyterhub OWNER jupyterhub", db);
                    await create.ExecuteNonQueryAsync(cancellation);
                }
                return;
            }
            catch (Npgsql.NpgsqlException) when (attempt < 30)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellation);
            }
        }
    }
}
