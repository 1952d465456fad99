using Datalyptica.Components.Patroni;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Tests.Rendering;
using Datalyptica.Tests.Verification;
using Npgsql;

namespace Datalyptica.Tests.Components.Patroni;

/// <summary>
/// The SCRAM verifiers and the application-database script against a real PostgreSQL 15 on loopback (run as postgres,
/// stopped by its own PID): PostgreSQL accepts our verifier for the clear password and refuses another one; the script is
/// idempotent, its check passes after the first run and not before, and a changed password fails the check.
/// </summary>
public sealed class AppDatabasesPostgresTests : IDisposable
{
    private const string PgBin = "/usr/lib/postgresql/15/bin";
    private readonly string _dir;
    private readonly ServerProcess _server;
    private readonly int _port = ServerProcess.FreePort();

    public AppDatabasesPostgresTests()
    {
        if (!File.Exists($"{PgBin}/postgres")) throw new InvalidOperationException("PostgreSQL 15 is missing: setup.sh installs postgresql-15.");
        _dir = Path.Combine(Path.GetTempPath(), "dl-appdb-pg-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_dir);
        Tool.Run("chown", ["postgres:postgres", _dir]).ExitCode.ShouldBe(0);
        var data = Path.Combine(_dir, "data");
        var r = Tool.Run("runuser", ["-u", "postgres", "--", $"{PgBin}/initdb", "-D", data, "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]);
        r.ExitCode.ShouldBe(0, r.Output);
        // As Patroni renders it: the superuser by peer over the socket, everyone else by scram-sha-256.
        File.WriteAllText(Path.Combine(data, "pg_hba.conf"), "local all postgres trust\nhost all all 127.0.0.1/32 scram-sha-256\n");
        _server = ServerProcess.Start("postgres", "runuser",
            ["-u", "postgres", "--", $"{PgBin}/postgres", "-D", data, "-p", _port.ToString(), "-k", _dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            realPid: () => File.Exists(Path.Combine(data, "postmaster.pid")) && int.TryParse(File.ReadLines(Path.Combine(data, "postmaster.pid")).First(), out var pid) ? pid : null)
            .WaitForPort(_port);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Tool.Result ready;
        do
        {
            ready = Psql("SELECT 1");
            if (ready.ExitCode == 0 || !ready.Output.Contains("starting up")) break;
            Thread.Sleep(100);
        } while (DateTime.UtcNow < deadline);
        ready.ExitCode.ShouldBe(0, ready.Output);
    }

    public void Dispose()
    {
        _server.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>psql as the superuser over the socket, the SQL on standard input (as the driver runs it).</summary>
    private Tool.Result Psql(string sql, params string[] vars) =>
        Tool.Run("runuser", ["-u", "postgres", "--", $"{PgBin}/psql", "-X", "-q", "-A", "-t", "-h", _dir, "-p", _port.ToString(), "-U", "postgres", "-d", "postgres",
            .. vars.SelectMany(v => new[] { "-v", v + "=1" }), "-f", "-"], stdin: sql);

    private bool CanLogIn(string user, string password, string database)
    {
        var cs = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = _port, Username = user, Password = password, Database = database, Pooling = false, Timeout = 5 };
        try
        {
            using var connection = new NpgsqlConnection(cs.ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand("SELECT current_user", connection);
            return (string)command.ExecuteScalar()! == user;
        }
        catch (PostgresException) { return false; }
    }

    [Theory]
    [InlineData("Qx3-generated_base64url-secret-0123456789abcdef")]
    [InlineData("with space, 'quote\" and $dollar\\back")]
    [InlineData("unicodé-pässwörd-ß-€")]
    public void PostgreSQL_accepts_the_verifier_for_the_clear_password_and_refuses_another(string password)
    {
        var verifier = ScramVerifier.Compute(password, ScramVerifier.Salt("site-a", "app"));
        verifier.ShouldStartWith("SCRAM-SHA-256$4096:");
        var r = Psql($"CREATE ROLE app LOGIN PASSWORD '{verifier}';\nSELECT rolpassword FROM pg_authid WHERE rolname = 'app';");
        r.ExitCode.ShouldBe(0, r.Output);
        r.Stdout.Trim().ShouldBe(verifier, "PostgreSQL stores a verifier as given");
        CanLogIn("app", password, "postgres").ShouldBeTrue();
        CanLogIn("app", password + "x", "postgres").ShouldBeFalse();
        // Deterministic: the same site and role give the same verifier; another site another salt.
        ScramVerifier.Compute(password, ScramVerifier.Salt("site-a", "app")).ShouldBe(verifier);
        ScramVerifier.Compute(password, ScramVerifier.Salt("site-b", "app")).ShouldNotBe(verifier);
    }

    [Fact]
    public void The_script_is_idempotent_its_check_passes_only_after_it_and_a_changed_password_fails_the_check()
    {
        var site = RenderedSites.Development.Site;
        var declared = AppDatabases.For(site);
        var secrets = declared.ToDictionary(d => d.Database.PasswordSecretKey, d => $"pw-{d.Database.Role}-{Guid.NewGuid():N}");
        var sql = SecretPlaceholder.Resolve(AppDatabases.Sql(site), n => secrets[n]);

        // Before: every role and database missing, and the check only reads.
        var before = Psql(sql);
        before.ExitCode.ShouldBe(0, before.Output);
        foreach (var (_, db) in declared)
        {
            before.Stdout.ShouldContain($"role {db.Role}: missing");
            before.Stdout.ShouldContain($"database {db.Database}: missing");
        }
        Psql("SELECT count(*) FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' AND rolname <> 'postgres'").Stdout.Trim().ShouldBe("0");

        var first = Psql(sql, "datalyptica_apply");
        first.ExitCode.ShouldBe(0, first.Output);
        first.Stdout.Trim().ShouldBeEmpty("after the changes the check finds nothing");
        var catalog = Catalog();
        var second = Psql(sql, "datalyptica_apply");
        second.ExitCode.ShouldBe(0, second.Output);
        second.Stdout.Trim().ShouldBeEmpty();
        Catalog().ShouldBe(catalog, "a second run changes nothing");
        Psql(sql).Stdout.Trim().ShouldBeEmpty();

        foreach (var (_, db) in declared)
        {
            CanLogIn(db.Role, secrets[db.PasswordSecretKey], db.Database).ShouldBeTrue($"{db.Role} into {db.Database}");
            CanLogIn(db.Role, "wrong", db.Database).ShouldBeFalse();
        }
        // CONNECT is the role's alone: another application's role is refused at its database.
        var (a, b) = (declared[0].Database, declared[1].Database);
        CanLogIn(b.Role, secrets[b.PasswordSecretKey], a.Database).ShouldBeFalse($"{b.Role} may not connect to {a.Database}");

        // A password changed in the vault: the check fails for that role alone, the script puts it right.
        secrets[a.PasswordSecretKey] = "rotated-" + Guid.NewGuid().ToString("N");
        var rotated = SecretPlaceholder.Resolve(AppDatabases.Sql(site), n => secrets[n]);
        Psql(rotated).Stdout.Trim().ShouldBe($"role {a.Role}: password differs from the vault");
        Psql(rotated, "datalyptica_apply").Stdout.Trim().ShouldBeEmpty();
        CanLogIn(a.Role, secrets[a.PasswordSecretKey], a.Database).ShouldBeTrue();

        // Drift by hand is found: PUBLIC given CONNECT back, the owner changed.
        Psql($"GRANT CONNECT ON DATABASE {a.Database} TO PUBLIC; ALTER DATABASE {a.Database} OWNER TO {b.Role};").ExitCode.ShouldBe(0);
        var drift = Psql(rotated).Stdout;
        drift.ShouldContain($"database {a.Database}: PUBLIC may connect");
        drift.ShouldContain($"database {a.Database}: owned by {b.Role}, not {a.Role}");
        Psql(rotated, "datalyptica_apply").Stdout.Trim().ShouldBeEmpty();
    }

    [Fact]
    public void A_superuser_of_the_same_name_is_never_altered_and_the_check_says_so()
    {
        var site = RenderedSites.Development.Site;
        var declared = AppDatabases.For(site);
        var victim = declared[0].Database;
        Psql($"CREATE ROLE {victim.Role} SUPERUSER LOGIN PASSWORD 'kept'").ExitCode.ShouldBe(0);
        var sql = SecretPlaceholder.Resolve(AppDatabases.Sql(site), n => "pw-" + n);
        var run = Psql(sql, "datalyptica_apply");
        run.ExitCode.ShouldBe(0, run.Output);
        run.Stdout.ShouldContain($"role {victim.Role}: a superuser or replication role");
        CanLogIn(victim.Role, "kept", "postgres").ShouldBeTrue("its password was left alone");
    }

    /// <summary>Roles with their verifiers, and databases with owner and ACL: what a second run must not change.</summary>
    private string Catalog()
    {
        var r = Psql("SELECT rolname || ' ' || coalesce(rolpassword, '') FROM pg_authid ORDER BY 1;\n" +
                     "SELECT datname || ' ' || pg_get_userbyid(datdba) || ' ' || coalesce(datacl::text, '') FROM pg_database ORDER BY 1;");
        r.ExitCode.ShouldBe(0, r.Output);
        return r.Stdout;
    }
}
