using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Lab;
using Datalyptica.Lab.ObjectStore;
using Datalyptica.Tests.Components.Patroni;
using Datalyptica.Tests.Engine.Transport;
using Datalyptica.Tests.Rendering;
using Xunit.Abstractions;

namespace Datalyptica.Tests.Lab.ObjectStore;

/// <summary>
/// The lab's S3 server (real s3rver from npm, patched, HTTPS with the lab CA) on 127.0.0.1, and a real PostgreSQL 15
/// cluster archiving to it through the real pgBackRest with the rendered repository settings. No lab hosts needed.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class PgBackRestOnS3rverTests(ITestOutputHelper output, SshdFixture sshd) : IDisposable
{
    private const string PgBin = "/usr/lib/postgresql/15/bin";
    private const string Stanza = "loopback";
    private readonly string _root = Directory.CreateTempSubdirectory("dl-s3-").FullName;
    private readonly List<string> _clusters = [];
    private LabObjectStore? _store;

    /// <summary>The cached install under the default lab root, as `lab up` uses it (installed once per machine).</summary>
    private LabObjectStore NewStore(string name) => new(new LabObjectStoreOptions
    {
        InstallDirectory = LabObjectStoreOptions.ForLab(new LabOptions()).InstallDirectory,
        StateDirectory = Path.Combine(_root, name),
        Address = "127.0.0.1",
        Port = FreePort(),
    }, output.WriteLine);

    [Fact]
    public async Task The_store_installs_once_patches_idempotently_serves_HTTPS_for_its_name_and_stops_by_its_PID()
    {
        _store = NewStore("store");
        var clock = Stopwatch.StartNew();
        var install = await _store.EnsureInstalledAsync(CancellationToken.None);
        output.WriteLine($"s3rver install: {(install.Installed ? "cold" : "cached")} {install.Elapsed.TotalSeconds:0.00} s, patched now: {install.Patched}");
        LabObjectStore.IsPatched(_store.Options.PackageDirectory).ShouldBeTrue();
        var again = await _store.EnsureInstalledAsync(CancellationToken.None);
        again.Installed.ShouldBeFalse();
        again.Patched.ShouldBeFalse("the patch is already there: applying it again must be a no-op");

        clock.Restart();
        var state = await _store.StartAsync(CancellationToken.None);
        output.WriteLine($"s3rver start to HTTPS answering: {clock.Elapsed.TotalSeconds:0.00} s (pid {state.Pid})");
        LabSystem.IsSame(state.Pid, state.PidStart).ShouldBeTrue();
        File.ReadAllText($"/proc/{state.Pid}/cmdline").ShouldContain("s3rver.js", customMessage: "the recorded PID must be node's own, not a wrapper's");
        (await _store.StartAsync(CancellationToken.None)).Pid.ShouldBe(state.Pid, "start is idempotent");
        _store.Status().Running.ShouldBeTrue();

        using var cert = X509Certificate2.CreateFromPem(File.ReadAllText(_store.Options.ServerCertificateFile));
        cert.MatchesHostname(LabObjectStoreOptions.DnsName).ShouldBeTrue();
        foreach (var bucket in LabObjectStoreOptions.Buckets.Values)
            Directory.Exists(Path.Combine(_store.Options.DataDirectory, bucket)).ShouldBeTrue($"bucket {bucket} configured at start");

        (await _store.StopAsync(CancellationToken.None)).ShouldBeTrue();
        LabSystem.IsSame(state.Pid, state.PidStart).ShouldBeFalse();
        _store.Status().Running.ShouldBeFalse();
        (await _store.StopAsync(CancellationToken.None)).ShouldBeFalse("stop is safe to repeat");
    }

    [Fact]
    public async Task Backup_archive_point_in_time_restore_and_expire_really_delete_objects()
    {
        RequireRoot();
        _store = NewStore("pitr");
        await _store.StartAsync(CancellationToken.None);
        var bucket = LabObjectStoreOptions.Buckets["backups"];

        // The rendered pgBackRest file for a site whose object store is this server, retention by count (2 fulls).
        var site = OnStore(PgSites.WithPostgres(RenderedSites.Production.Site, "15.0"));
        site = PgSites.WithSiteVar(PgSites.WithSiteVar(site, PostgreSQLSettings.RetentionFullType.Key, "count"), PostgreSQLSettings.RetentionFull.Key, 2);
        var files = PgSites.Files(site, "pg01");
        var rendered = IniText.Parse(files.Single(f => f.Path == PgBackRest.ConfigPath).Content);
        files.Single(f => f.Path == PgBackRest.ObjectStoreCaPath).Content.ShouldBe(_store.CaCertificatePem());
        rendered["global"]["repo1-storage-ca-file"].ShouldBe(PgBackRest.ObjectStoreCaPath);

        var pgData = Path.Combine(_root, "pgdata");
        var port = FreePort();
        var config = WriteLoopbackConfig(rendered["global"], pgData, port);
        InitCluster(pgData, port, archive: $"pgbackrest --config={config} --stanza={Stanza} archive-push %p");

        Pg("stanza-create", config);
        Pg("check", config); // archive_command really pushes a WAL segment to S3
        Sql(port, "CREATE TABLE marks (id serial PRIMARY KEY, phase text NOT NULL, at timestamptz DEFAULT clock_timestamp())");
        Sql(port, "INSERT INTO marks (phase) SELECT 'before' FROM generate_series(1, 100)");

        var clock = Stopwatch.StartNew();
        Pg("backup --type=full --expire-auto=n", config, timeoutSeconds: 180);
        output.WriteLine($"first full backup: {clock.Elapsed.TotalSeconds:0.00} s");

        Sql(port, "INSERT INTO marks (phase) SELECT 'before' FROM generate_series(1, 50)"); // after the backup, before the target: only WAL has it
        Thread.Sleep(1100);
        var target = Sql(port, "SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.USOF')");
        Thread.Sleep(1100);
        Sql(port, "INSERT INTO marks (phase) SELECT 'after' FROM generate_series(1, 70)");
        Sql(port, "SELECT pg_switch_wal()");
        Pg("check", config); // waits until the switched segment is in the repository

        var restored = Path.Combine(_root, "restored");
        Directory.CreateDirectory(restored);
        Chown(restored);
        clock.Restart();
        Pg($"restore --pg1-path={restored} --type=time \"--target={target}\" --target-action=promote", config, timeoutSeconds: 180);
        output.WriteLine($"restore: {clock.Elapsed.TotalSeconds:0.00} s");
        var restoredPort = FreePort();
        clock.Restart();
        // The restored copy carries the original's postgresql.conf: its own port, and no archiving into the same stanza.
        StartCluster(restored, restoredPort, $"-p {restoredPort} -c archive_mode=off");
        WaitUntil(() => Sql(restoredPort, "SELECT pg_is_in_recovery()", check: false) == "f", TimeSpan.FromSeconds(60), "the restored cluster to finish recovery and promote");
        output.WriteLine($"recovery to promotion: {clock.Elapsed.TotalSeconds:0.00} s");
        Sql(restoredPort, "SELECT count(*) FROM marks WHERE phase = 'before'").ShouldBe("150");
        Sql(restoredPort, "SELECT count(*) FROM marks WHERE phase = 'after'").ShouldBe("0");
        Sql(port, "SELECT count(*) FROM marks WHERE phase = 'after'").ShouldBe("70", "the running cluster is untouched");

        // Retention: two more fulls (retention keeps 2), then expire must delete the first backup's objects and its WAL.
        Pg("backup --type=full --expire-auto=n", config, timeoutSeconds: 180);
        Sql(port, "SELECT pg_switch_wal()");
        Pg("backup --type=full --expire-auto=n", config, timeoutSeconds: 180);
        var backups = Path.Combine("pgbackrest", "backup", Stanza);
        var archive = Path.Combine("pgbackrest", "archive", Stanza);
        var before = _store.ObjectKeys(bucket);
        var labels = before.Where(k => k.StartsWith(backups + "/", StringComparison.Ordinal))
            .Select(k => k[(backups.Length + 1)..].Split('/')[0]).Where(l => l.EndsWith('F')).Distinct().Order().ToList();
        labels.Count.ShouldBe(3, string.Join("\n", before));
        var oldestWal = before.Where(k => k.StartsWith(archive + "/", StringComparison.Ordinal) && k.Contains("/0000", StringComparison.Ordinal)).ToList();

        Pg("expire", config);

        var after = _store.ObjectKeys(bucket);
        output.WriteLine($"objects in {bucket}: {before.Count} before expire, {after.Count} after");
        after.Count(k => k.StartsWith($"{backups}/{labels[0]}/", StringComparison.Ordinal)).ShouldBe(0, "the expired backup's objects are gone from the bucket");
        before.Count(k => k.StartsWith($"{backups}/{labels[0]}/", StringComparison.Ordinal)).ShouldBeGreaterThan(0);
        after.Count(k => k.StartsWith($"{backups}/{labels[1]}/", StringComparison.Ordinal)).ShouldBeGreaterThan(0);
        var walAfter = after.Where(k => k.StartsWith(archive + "/", StringComparison.Ordinal) && k.Contains("/0000", StringComparison.Ordinal)).ToList();
        walAfter.Count.ShouldBeLessThan(oldestWal.Count, "WAL older than the oldest kept backup expires with it");
        after.Count.ShouldBeLessThan(before.Count);
    }

    /// <summary>
    /// A standby site whose stream from the primary is gone keeps replaying the primary's WAL from the primary's
    /// pgBackRest repository (issue 16, DR fallback). The primary archives into its stanza in the backups bucket; the
    /// standby is a pg_basebackup copy with no primary_conninfo (the stream is down) and the restore_command the dr
    /// profile renders into standby_cluster, run against the [primary stanza] section the standby's pgbackrest.conf
    /// renders (its own repository is another bucket). Rows the primary writes afterwards appear on the standby, which
    /// stays in recovery.
    /// </summary>
    [Fact]
    public async Task A_standby_without_its_stream_replays_the_primarys_wal_from_the_primarys_repository()
    {
        RequireRoot();
        _store = NewStore("dr-fallback");
        await _store.StartAsync(CancellationToken.None);
        var primaryBucket = LabObjectStoreOptions.Buckets["backups"];

        var primarySite = OnStore(PgSites.WithPostgres(RenderedSites.Production.Site, "15.0"), archive: false);
        var primaryData = Path.Combine(_root, "primary");
        var primaryPort = FreePort();
        var primaryConfig = WriteLoopbackConfig(IniText.Parse(PgSites.Files(primarySite, "pg01").Single(f => f.Path == PgBackRest.ConfigPath).Content)["global"],
            primaryData, primaryPort, "primary.conf");

        // The dr profile's standby, its own backups in another bucket, falling back to this primary's stanza.
        var standbySite = OnStore(PgSites.WithPostgres(RenderedSite.Of(Datalyptica.Profiles.BuiltInProfiles.Dr).Site, "15.0"), archive: false);
        standbySite = standbySite with { ObjectStore = standbySite.ObjectStore! with { Buckets = new Dictionary<string, string>(standbySite.ObjectStore.Buckets) { ["backups"] = LabObjectStoreOptions.Buckets["staging"] } } };
        standbySite = PgSites.WithSiteVar(PgSites.WithSiteVar(standbySite, Datalyptica.Components.Patroni.PatroniStandbySite.PrimaryBackupsBucket.Key, primaryBucket),
            Datalyptica.Components.Patroni.PatroniStandbySite.PrimaryStanza.Key, Stanza);
        var standbyHost = standbySite.HostsWith(PostgreSQLComponent.Member).First().Name;
        var standbyFiles = PgSites.Files(standbySite, standbyHost);
        var standbyIni = IniText.Parse(standbyFiles.Single(f => f.Path == PgBackRest.ConfigPath).Content);
        standbyIni["global"]["repo1-s3-bucket"].ShouldBe(LabObjectStoreOptions.Buckets["staging"]);
        standbyIni[Stanza]["repo1-s3-bucket"].ShouldBe(primaryBucket, "the primary's stanza reads the primary's bucket");
        standbyIni[Stanza]["archive-async"].ShouldBe("n", "async archive-get waited out archive-timeout (60 s) for a segment not archived yet");
        var patroni = new YamlDotNet.Serialization.Deserializer().Deserialize<Dictionary<string, object>>(
            standbyFiles.Single(f => f.Path == Datalyptica.Components.Patroni.PatroniRenderer.ConfigPath).Content);
        var standbyCluster = (Dictionary<object, object>)((Dictionary<object, object>)((Dictionary<object, object>)patroni["bootstrap"])["dcs"])["standby_cluster"];
        var restoreCommand = (string)standbyCluster["restore_command"];
        restoreCommand.ShouldBe($"pgbackrest --stanza={Stanza} --repo=1 archive-get %f \"%p\"");

        InitCluster(primaryData, primaryPort, archive: $"pgbackrest --config={primaryConfig} --stanza={Stanza} archive-push %p");
        Pg("stanza-create", primaryConfig);
        Sql(primaryPort, "CREATE TABLE marks (id serial PRIMARY KEY, phase text NOT NULL)");
        Sql(primaryPort, "INSERT INTO marks (phase) SELECT 'copied' FROM generate_series(1, 40)");

        // The standby: a copy of the primary, then cut off (no primary_conninfo), recovering through the rendered command.
        var standbyData = Path.Combine(_root, "standby");
        var standbyPort = FreePort();
        var copy = AsPostgres([$"{PgBin}/pg_basebackup", "-D", standbyData, "-h", "127.0.0.1", "-p", primaryPort.ToString(), "-U", "postgres", "-X", "stream", "-c", "fast"], 120);
        copy.ExitCode.ShouldBe(0, copy.Output);
        var standbyConfig = WriteLoopbackConfig(standbyIni["global"], standbyData, standbyPort, "standby.conf",
            stanza: Stanza, stanzaOptions: standbyIni[Stanza].Where(kv => !kv.Key.StartsWith("pg1-", StringComparison.Ordinal)));
        File.WriteAllText(Path.Combine(standbyData, "standby.signal"), "");
        File.AppendAllText(Path.Combine(standbyData, "postgresql.auto.conf"),
            $"restore_command = '{restoreCommand.Replace("pgbackrest ", $"pgbackrest --config={standbyConfig} ").Replace("'", "''")}'\nhot_standby = on\n");
        Tool.Run("chown", ["-R", "postgres:postgres", standbyData]).ExitCode.ShouldBe(0);
        StartCluster(standbyData, standbyPort, $"-p {standbyPort} -c archive_mode=off");

        Sql(primaryPort, "INSERT INTO marks (phase) SELECT 'archived' FROM generate_series(1, 60)");
        Sql(primaryPort, "SELECT pg_switch_wal()");
        Pg("check", primaryConfig); // the switched segment is in the primary's repository
        var clock = Stopwatch.StartNew();
        // Bounded, not timed: 4.5 s alone; 59.5 s with async archive-get, which waited out archive-timeout (60 s).
        WaitUntil(() => Sql(standbyPort, "SELECT count(*) FROM marks WHERE phase = 'archived'", check: false) == "60", TimeSpan.FromSeconds(240),
            "the standby to replay the primary's archived WAL: " + ReadLog(standbyPort));
        output.WriteLine($"the standby replayed the archived segment {clock.Elapsed.TotalSeconds:0.0} s after it was archived");
        Sql(standbyPort, "SELECT pg_is_in_recovery()").ShouldBe("t", "it stays a standby");
        Sql(standbyPort, "SELECT count(*) FROM marks").ShouldBe("100");
    }

    /// <summary>
    /// The `backup` verb's operations over the engine's real SSH transport (loopback sshd) against the real cluster:
    /// leader found, stanza ensured twice (idempotent), full backup, info, and restore-test into a scratch folder with
    /// a throw-away postgres whose query proves the point in time; the running cluster keeps its rows and the scratch
    /// folder is gone afterwards.
    /// </summary>
    [Fact]
    public async Task Backup_verb_operations_over_ssh_back_up_and_restore_test_without_touching_the_cluster()
    {
        RequireRoot();
        _store = NewStore("verb");
        await _store.StartAsync(CancellationToken.None);
        var site = OnStore(RenderedSites.Production.Site);
        var rendered = IniText.Parse(PgSites.Files(PgSites.WithPostgres(site, "15.0"), "pg01").Single(f => f.Path == PgBackRest.ConfigPath).Content);
        var pgData = Path.Combine(_root, "pgdata");
        var port = FreePort();
        var config = WriteLoopbackConfig(rendered["global"], pgData, port);
        InitCluster(pgData, port, archive: $"pgbackrest --config={config} --stanza={Stanza} archive-push %p");
        Sql(port, "CREATE TABLE marks (id serial PRIMARY KEY, phase text NOT NULL)");
        Sql(port, "INSERT INTO marks (phase) SELECT 'before' FROM generate_series(1, 100)");

        // As on a host, except: pgBackRest's config comes from PGBACKREST_CONFIG, and the store's name resolves in a
        // private mount namespace (see AsPostgres).
        var wrapper = Path.Combine(_root, "as-postgres");
        File.WriteAllText(wrapper, "#!/bin/sh\nexec unshare --mount --propagation private sh -c " +
            "'mount --bind \"$0\" /etc/hosts && PGBACKREST_CONFIG=\"$1\" && export PGBACKREST_CONFIG && shift && exec runuser -u postgres -- \"$@\"' " +
            $"{Path.Combine(_root, "etc-hosts")} {config} \"$@\"\n");
        File.SetUnixFileMode(wrapper, (UnixFileMode)0b111_101_101);
        var target = new PgBackRestTarget(Stanza, PgBin, [new PgMember("loopback", port, Path.Combine(_root, "sock"))]) { AsPostgres = wrapper };
        await using var ssh = await sshd.ConnectAsync(sshd.Server.Connection(sshd.ClientKey, hostName: "loopback"));
        var operations = new PgBackRestOperations(target, _ => ssh, output.WriteLine);

        var leader = await operations.FindLeaderAsync(CancellationToken.None);
        leader.HostName.ShouldBe("loopback");
        await operations.EnsureStanzaAsync(leader, CancellationToken.None);
        await operations.EnsureStanzaAsync(leader, CancellationToken.None); // idempotent
        var took = await operations.FullBackupAsync(leader, CancellationToken.None);
        output.WriteLine($"full backup over SSH: {took.TotalSeconds:0.00} s");
        (await operations.InfoAsync(leader, CancellationToken.None)).ShouldHaveSingleItem().Type.ShouldBe("full");

        Thread.Sleep(1100);
        var recoveryTarget = Sql(port, "SELECT to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS.USOF')");
        Thread.Sleep(1100);
        Sql(port, "INSERT INTO marks (phase) SELECT 'after' FROM generate_series(1, 70)");
        Sql(port, "SELECT pg_switch_wal()");
        Pg("check", config);

        var restored = await operations.RestoreTestAsync(leader, recoveryTarget,
            "SELECT count(*) FILTER (WHERE phase = 'before') || '/' || count(*) FILTER (WHERE phase = 'after') FROM marks", keep: false, CancellationToken.None);
        output.WriteLine($"restore-test over SSH: restore {restored.Restore.TotalSeconds:0.00} s, recovery {restored.Recovery.TotalSeconds:0.00} s");
        restored.QueryResult.ShouldBe("100/0");
        restored.ScratchDirectory.ShouldStartWith(PgBackRestOperations.ScratchRoot + "/" + PgBackRestOperations.ScratchPrefix);
        Directory.Exists(restored.ScratchDirectory).ShouldBeFalse("the scratch folder is removed");
        Sql(port, "SELECT count(*) FROM marks").ShouldBe("170", "the running cluster is untouched");
    }

    /// <summary>
    /// The scheduled backup job's script exactly as rendered (only node_exporter's folder moved into the test's own), run
    /// as its unit runs it: as root, pgBackRest's configuration where PGBACKREST_CONFIG points. On the primary it makes the
    /// stanza and takes a real full, then a differential backup, writing the metrics the alerts read; a failed run keeps
    /// the newest success and reports its exit code; a member whose PostgreSQL does not answer as primary skips.
    /// </summary>
    [Fact]
    public async Task The_scheduled_backup_script_backs_up_on_the_primary_only_and_writes_the_metrics_the_alerts_read()
    {
        RequireRoot();
        _store = NewStore("scheduled");
        await _store.StartAsync(CancellationToken.None);
        var port = FreePort();
        // First without the archive bucket: the compliance copy's repository is added to the running cluster below.
        Model.Site SiteWith(bool archive) => PgSites.WithHostVar(PgSites.WithPostgres(OnStore(RenderedSites.Production.Site, archive) with { Name = Stanza }, "15.0"),
            "pg01", PostgreSQLComponent.Server.VarName, port);
        var site = SiteWith(archive: false);
        var files = PgSites.Files(site, "pg01");
        var rendered = IniText.Parse(files.Single(f => f.Path == PgBackRest.ConfigPath).Content);
        var script = files.Single(f => f.Path == ScheduledBackups.ScriptPath);
        script.Mode.ShouldBe(Modes.Executable);
        script.ContainsSecrets.ShouldBeFalse();
        script.Content.ShouldContain($"-p {port} ");
        script.Content.ShouldContain($"metrics={ScheduledBackups.TextfileDir}/");
        var textfiles = Path.Combine(_root, "textfile");
        Directory.CreateDirectory(textfiles);
        var scriptPath = Path.Combine(_root, "scheduled-backup.sh");
        File.WriteAllText(scriptPath, script.Content.Replace($"metrics={ScheduledBackups.TextfileDir}/", $"metrics={textfiles}/"));
        File.SetUnixFileMode(scriptPath, script.Mode);

        var pgData = Path.Combine(_root, "pgdata");
        var config = WriteLoopbackConfig(rendered["global"], pgData, port);
        // The script asks the member's role over PostgreSQL's own socket folder, as on a host.
        InitCluster(pgData, port, archive: $"pgbackrest --config={config} --stanza={Stanza} archive-push %p", PostgresLayout.SocketDir);

        Tool.Result Run(string type, string pgbackrestConfig) => Tool.Run("unshare", ["--mount", "--propagation", "private", "sh", "-c",
            "mount --bind \"$0\" /etc/hosts && PGBACKREST_CONFIG=\"$1\" && export PGBACKREST_CONFIG && exec \"$2\" \"$3\"",
            Path.Combine(_root, "etc-hosts"), pgbackrestConfig, scriptPath, type], timeoutSeconds: 240);
        Dictionary<string, double> Metrics(string type) => File.ReadAllLines(Path.Combine(textfiles, $"datalyptica_pgbackrest_{type}.prom"))
            .Where(l => !l.StartsWith('#')).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture));
        var labels = $"{{stanza=\"{Stanza}\",type=\"full\"}}";
        Sql(port, "SELECT 1"); // as the role check will (the etc-hosts file for the store is written here too)

        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var full = Run("full", config);
        full.ExitCode.ShouldBe(0, full.Output);
        var metrics = Metrics("full");
        metrics[ScheduledBackups.LastExitCodeMetric + labels].ShouldBe(0);
        metrics[ScheduledBackups.LastSuccessMetric + labels].ShouldBeGreaterThanOrEqualTo(before);
        metrics[ScheduledBackups.LastRunMetric + labels].ShouldBe(metrics[ScheduledBackups.LastSuccessMetric + labels]);
        var diff = Run("diff", config);
        diff.ExitCode.ShouldBe(0, diff.Output);
        Metrics("diff")[ScheduledBackups.LastExitCodeMetric + labels.Replace("full", "diff")].ShouldBe(0);
        var info = AsPostgres(["pgbackrest", $"--config={config}", $"--stanza={Stanza}", "info", "--output=json"]);
        PgBackRestOperations.ParseInfo(info.Stdout).Select(b => b.Type).ShouldBe(["full", "diff"]);

        // The site gains an archive bucket: pgBackRest's configuration names repo2 (the compliance copy) on a running
        // cluster, and repo2 has no stanza yet. apply's stanza step finds that on the primary and creates it there.
        var withArchive = IniText.Parse(PgSites.Files(SiteWith(archive: true), "pg01").Single(f => f.Path == PgBackRest.ConfigPath).Content)["global"];
        withArchive["repo2-s3-bucket"].ShouldBe(LabObjectStoreOptions.Buckets[Model.ObjectStore.ArchivePurpose]);
        withArchive["repo2-retention-full-type"].ShouldBe("count");
        withArchive["repo2-retention-archive-type"].ShouldBe("full");
        WriteLoopbackConfig(withArchive, pgData, port).ShouldBe(config, "the same file: archive_command reads it");
        var step = PgBackRest.StanzaCreate(SiteWith(archive: true), SiteWith(archive: true).Hosts.Single(h => h.Name == "pg01"));
        Tool.Result Shell(string text) => Tool.Run("unshare", ["--mount", "--propagation", "private", "sh", "-c",
            "mount --bind \"$0\" /etc/hosts && PGBACKREST_CONFIG=\"$1\" && export PGBACKREST_CONFIG && exec sh -c \"$2\"",
            Path.Combine(_root, "etc-hosts"), config, text], timeoutSeconds: 120);
        Shell(step.Unless).ExitCode.ShouldBe(1, "repo2 lacks the stanza, so the step must run");
        var created = Shell(step.Command);
        created.ExitCode.ShouldBe(0, created.Output);
        Shell(step.Unless).ExitCode.ShouldBe(0, "every repository has the stanza now");
        Pg("check", config); // archive_command pushes WAL into both repositories
        var copy = Run(ScheduledBackups.Archive, config);
        copy.ExitCode.ShouldBe(0, copy.Output);
        Metrics(ScheduledBackups.Archive)[ScheduledBackups.LastExitCodeMetric + labels.Replace("full", ScheduledBackups.Archive)].ShouldBe(0);
        using (var repos = System.Text.Json.JsonDocument.Parse(AsPostgres(["pgbackrest", $"--config={config}", $"--stanza={Stanza}", "info", "--output=json"]).Stdout))
            repos.RootElement[0].GetProperty("backup").EnumerateArray()
                .Select(b => (b.GetProperty("type").GetString(), b.GetProperty("database").GetProperty("repo-key").GetInt32()))
                .ShouldBe([("full", 1), ("diff", 1), ("full", 2)], "full and diff into the backups bucket, the compliance copy into the archive bucket");

        // A run that fails (the repository cannot be decrypted with this passphrase) keeps the newest success.
        var wrongKey = Path.Combine(_root, "wrong-key.conf");
        File.WriteAllText(wrongKey, File.ReadAllText(config).Replace("repo1-cipher-pass=loopback-test-passphrase", "repo1-cipher-pass=not-the-passphrase"));
        Chown(wrongKey);
        Thread.Sleep(1100);
        var failed = Run("full", wrongKey);
        failed.ExitCode.ShouldNotBe(0, failed.Output);
        var after = Metrics("full");
        after[ScheduledBackups.LastExitCodeMetric + labels].ShouldBe(failed.ExitCode);
        after[ScheduledBackups.LastSuccessMetric + labels].ShouldBe(metrics[ScheduledBackups.LastSuccessMetric + labels]);
        after[ScheduledBackups.LastRunMetric + labels].ShouldBeGreaterThan(after[ScheduledBackups.LastSuccessMetric + labels],
            "PgBackRestScheduledBackupFailed fires when the newest run is newer than the newest success");

        // A member that does not answer as primary (a standby; here nothing on the port) takes no backup and writes nothing.
        AsPostgres([$"{PgBin}/pg_ctl", "-D", pgData, "-m", "fast", "-w", "stop"]).ExitCode.ShouldBe(0);
        File.Delete(Path.Combine(textfiles, "datalyptica_pgbackrest_diff.prom"));
        var skipped = Run("diff", config);
        skipped.ExitCode.ShouldBe(0, skipped.Output);
        skipped.Stdout.ShouldContain("skipped: this member is not the primary");
        File.Exists(Path.Combine(textfiles, "datalyptica_pgbackrest_diff.prom")).ShouldBeFalse();
    }

    /// <summary>
    /// The site with this test's S3 server as its object store: the lab's backups bucket and, unless left out, its archive
    /// bucket (the compliance copy, pgBackRest's repo2).
    /// </summary>
    private Model.Site OnStore(Model.Site site, bool archive = true)
    {
        var buckets = new Dictionary<string, string>(site.ObjectStore!.Buckets) { ["backups"] = LabObjectStoreOptions.Buckets["backups"] };
        if (archive) buckets[Model.ObjectStore.ArchivePurpose] = LabObjectStoreOptions.Buckets[Model.ObjectStore.ArchivePurpose];
        else buckets.Remove(Model.ObjectStore.ArchivePurpose);
        return site with
        {
            ObjectStore = site.ObjectStore with
            {
                Endpoint = _store!.Options.Endpoint, Region = LabObjectStoreOptions.Region, CaCertificate = _store.CaCertificatePem(), Buckets = buckets,
            },
        };
    }

    private string WriteLoopbackConfig(IReadOnlyDictionary<string, string> global, string pgData, int port, string fileName = "pgbackrest.conf",
        string stanza = Stanza, IEnumerable<KeyValuePair<string, string>>? stanzaOptions = null)
    {
        // The rendered [global] as is, except what points at the host's own files, its TLS server and its standbys.
        // Each repository's (repo1, and repo2 where the site has an archive bucket) CA file, keys and passphrase are this test's.
        var repos = global.Keys.Where(k => k.EndsWith("-type", StringComparison.Ordinal) && k.StartsWith("repo", StringComparison.Ordinal) && !k.Contains("retention"))
            .Select(k => k[..k.IndexOf('-')]).Distinct().ToList();
        var skip = new HashSet<string> { "backup-standby", "log-path", "spool-path" };
        foreach (var repo in repos) skip.UnionWith([$"{repo}-storage-ca-file", $"{repo}-s3-key", $"{repo}-s3-key-secret", $"{repo}-cipher-pass"]);
        var lines = new List<string> { "[global]" };
        lines.AddRange(global.Where(kv => !skip.Contains(kv.Key) && !kv.Key.StartsWith("tls-server-", StringComparison.Ordinal)).Select(kv => $"{kv.Key}={kv.Value}"));
        var caFile = Path.Combine(_root, "object-store-ca.crt");
        File.WriteAllText(caFile, _store!.CaCertificatePem());
        foreach (var repo in repos)
            lines.AddRange([$"{repo}-storage-ca-file={caFile}", $"{repo}-s3-key={LabObjectStoreOptions.AccessKeyId}",
                $"{repo}-s3-key-secret={LabObjectStoreOptions.SecretAccessKey}", $"{repo}-cipher-pass=loopback-test-passphrase"]);
        lines.AddRange(
        [
            $"log-path={_root}/log", $"spool-path={_root}/spool", $"lock-path={_root}/lock",
            "", $"[{stanza}]", $"pg1-path={pgData}", $"pg1-port={port}", $"pg1-socket-path={_root}/sock",
        ]);
        lines.AddRange((stanzaOptions ?? []).Select(kv => $"{kv.Key}={kv.Value}"));
        foreach (var dir in new[] { "log", "spool", "lock", "sock" }) { Directory.CreateDirectory(Path.Combine(_root, dir)); Chown(Path.Combine(_root, dir)); }
        var path = Path.Combine(_root, fileName);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        Chown(path);
        Chown(caFile);
        Chown(_root);
        return path;
    }

    private void InitCluster(string pgData, int port, string archive, string? extraSocketDir = null)
    {
        Directory.CreateDirectory(pgData);
        Chown(pgData);
        var init = AsPostgres([$"{PgBin}/initdb", "-D", pgData, "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8", "-U", "postgres"]);
        init.ExitCode.ShouldBe(0, init.Output);
        File.AppendAllText(Path.Combine(pgData, "postgresql.conf"),
            $"listen_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{_root}/sock{(extraSocketDir is null ? "" : "," + extraSocketDir)}'\nwal_level = replica\n" +
            $"archive_mode = on\narchive_command = '{archive}'\nfsync = off\n");
        StartCluster(pgData, port);
    }

    private void StartCluster(string pgData, int port, string? serverOptions = null)
    {
        _clusters.Add(pgData);
        var r = AsPostgres([$"{PgBin}/pg_ctl", "-D", pgData, "-l", Path.Combine(_root, $"pg-{port}.log"), "-w", "-t", "60",
            .. serverOptions is null ? Array.Empty<string>() : ["-o", serverOptions], "start"], timeoutSeconds: 90);
        r.ExitCode.ShouldBe(0, r.Output + ReadLog(port));
    }

    private string ReadLog(int port) => File.Exists(Path.Combine(_root, $"pg-{port}.log")) ? File.ReadAllText(Path.Combine(_root, $"pg-{port}.log")) : "";

    private void Pg(string command, string config, int timeoutSeconds = 120)
    {
        var r = AsPostgres(["sh", "-c", $"pgbackrest --config={config} --stanza={Stanza} {command}"], timeoutSeconds);
        r.ExitCode.ShouldBe(0, $"pgbackrest {command}: {r.Output}");
    }

    private string Sql(int port, string sql, bool check = true)
    {
        var r = AsPostgres(["psql", "-h", "127.0.0.1", "-p", port.ToString(), "-U", "postgres", "-d", "postgres", "-XtAq", "-v", "ON_ERROR_STOP=1", "-c", sql]);
        if (check) r.ExitCode.ShouldBe(0, $"{sql}: {r.Output}");
        return r.Stdout.Trim();
    }

    /// <summary>
    /// As the postgres user, in a private mount namespace whose /etc/hosts maps the store's name to 127.0.0.1, as lab
    /// hosts' /etc/hosts maps it to the bridge: pgBackRest checks the certificate against the name it dials (2.45 never
    /// matches an IP SAN), and this machine's /etc/hosts stays untouched. PostgreSQL started so keeps the namespace for
    /// its archive_command.
    /// </summary>
    private Tool.Result AsPostgres(IEnumerable<string> command, int timeoutSeconds = 60)
    {
        var hosts = Path.Combine(_root, "etc-hosts");
        if (!File.Exists(hosts))
            File.WriteAllText(hosts, $"127.0.0.1\tlocalhost\n{_store?.Options.Address ?? "127.0.0.1"}\t{LabObjectStoreOptions.DnsName}\n");
        return Tool.Run("unshare", ["--mount", "--propagation", "private", "sh", "-c",
            "mount --bind \"$0\" /etc/hosts && exec runuser -u postgres -- \"$@\"", hosts, .. command], timeoutSeconds: timeoutSeconds);
    }

    private static void Chown(string path) => Tool.Run("chown", ["postgres:postgres", path]).ExitCode.ShouldBe(0);

    private static void WaitUntil(Func<bool> condition, TimeSpan within, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > within) throw new TimeoutException($"waited {within.TotalSeconds:0} s for {what}");
            Thread.Sleep(200);
        }
    }

    private static void RequireRoot()
    {
        if (!LabSystem.IsRoot()) throw new InvalidOperationException("this test runs PostgreSQL as the postgres user (runuser): run it as root.");
        if (!File.Exists($"{PgBin}/initdb")) throw new InvalidOperationException($"{PgBin}/initdb is missing. Fix: apt-get install postgresql (setup.sh does).");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        foreach (var cluster in _clusters)
            AsPostgres([$"{PgBin}/pg_ctl", "-D", cluster, "-m", "immediate", "-w", "stop"], timeoutSeconds: 60);
        _store?.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
