using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Artifacts;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Tests.Components.ReleaseFiles;

namespace Datalyptica.Tests.StandIns;

/// <summary>
/// The development profile (every artifact component placed) with each host moved to its own loopback address
/// (127.0.77.N) and every declared port moved to a free one, so the stand-ins of a host listen here without colliding
/// with anything else on this machine. Its archives are built once and unpacked with the engine's own commands
/// (<see cref="ArtifactResource.Plan"/>) under a temp root, as apply would on a host.
/// </summary>
public sealed class StandInSite : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("dl-standin-").FullName;
    public string Archives => Path.Combine(Root, "archives");
    public string HostRoot => Path.Combine(Root, "host");
    public string Logs => Path.Combine(Root, "logs");
    public Site Site { get; }
    public IReadOnlyList<HostFiles> Rendered { get; }
    public IReadOnlyList<StandInFile> Files { get; }

    public StandInSite()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Development, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        var held = new List<Socket>();
        int Free()
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            held.Add(s);
            return ((IPEndPoint)s.LocalEndPoint!).Port;
        }
        var hosts = site.Hosts.Select((h, i) =>
        {
            var vars = h.Vars.ToDictionary(kv => kv.Key, kv => kv.Value);
            foreach (var port in h.Roles.SelectMany(r => r.Ports).DistinctBy(p => p.VarName)) vars[port.VarName] = new Setting(Free(), null);
            return h with { Address = IPAddress.Parse($"127.0.77.{i + 1}"), Vars = vars };
        }).ToList();
        foreach (var s in held) s.Dispose();
        Site = site with { Hosts = hosts };
        Rendered = SiteRenderer.Render(Site);
        Files = StandInArchives.WriteAll(Site, Archives);
        foreach (var file in Files) Install(file.Artifact, file.Version, file.Path, file.Release);
    }

    /// <summary>Runs the engine's plan for the artifact (upload, unpack or virtualenv, marker, current link) in <see cref="HostRoot"/>.</summary>
    public void Install(string artifact, string version, string archive, ArtifactRelease? release)
    {
        var resource = ArtifactResource.For(artifact, version, new ArtifactSource(archive, StandInArchives.Hash(archive, ChecksumAlgorithm.Sha512)), release, null);
        foreach (var step in resource.Plan(HostFacts.EmptyDebian12, new PlanContext { Root = HostRoot }).Changes.SelectMany(c => c.Steps))
        {
            if (step.Kind == StepKind.UploadArtifact) { File.Copy(archive, step.Target, overwrite: true); continue; }
            StandInArchives.Run("sh", ["-c", step.Text!]);
        }
    }

    /// <summary>Writes a host's rendered files under <see cref="HostRoot"/> (where the stand-in reads them with DATALYPTICA_STANDIN_ROOT).</summary>
    public void WriteFilesOf(string hostName)
    {
        foreach (var file in Rendered.Single(h => h.Host.Name == hostName).Files.Where(f => f.Kind != FileKind.SystemdUnit))
        {
            var path = HostRoot + file.Path;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Content);
        }
    }

    public void Dispose()
    {
        // DATALYPTICA_STANDIN_KEEP=1 keeps the archives, host root and logs to look at.
        if (System.Environment.GetEnvironmentVariable("DATALYPTICA_STANDIN_KEEP") == "1") return;
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

/// <summary>
/// Layer 2 of docs/STAND-INS.md on this machine, over loopback: every artifact's stand-in archive has its release's
/// layout and is accepted by <c>artifacts import</c>; unpacked with the engine's own commands, every service a site
/// renders starts from it, records how it was started, listens on its declared ports and answers with the stand-in
/// signature; a missing config file, a JDK below the release's need and a secret in the environment are handled as
/// the contract says; Nessie's jar runs under the real java and the wheelhouses install with the real pip.
/// </summary>
public sealed class StandInTests(StandInSite fixture) : IClassFixture<StandInSite>
{
    private const string SecretValue = "do-not-log-this-9f3e";

    [Fact]
    public void Every_artifact_the_site_installs_has_a_stand_in_and_each_is_labelled()
    {
        var expected = ComponentCatalog.All.Where(c => c.InstallOn(fixture.Site) == InstallSource.Artifact && fixture.Site.Deploys(c))
            .Select(c => c.Id).Concat(ReleaseFixtures.Runtimes.Keys).Order().ToList();
        fixture.Files.Select(f => f.Artifact).Order().ShouldBe(expected);
        foreach (var file in fixture.Files)
        {
            file.Spec.EntryPrograms.ShouldNotBeEmpty(file.Artifact);
            var program = StandInArchives.Program(file.Spec);
            program.ShouldStartWith("#!/usr/bin/python3\n");
            program.ShouldContain($"\"artifact\":\"{file.Artifact}\"");
        }
        fixture.Files.Single(f => f.Artifact == "jdk").Spec.Jdk!.Feature.ShouldBe("23.0.2");
        fixture.Files.Single(f => f.Artifact == "trino").Spec.JavaMajor.ShouldBe(23);
    }

    [Fact]
    public async Task Every_release_archive_has_every_fixture_entry_and_the_marker_and_import_accepts_it()
    {
        var store = new SiteArtifactStore(Path.Combine(fixture.Root, "store"));
        var problems = new List<string>();
        foreach (var file in fixture.Files)
        {
            var names = Entries(file);
            names.ShouldContain(n => n == StandInArchives.MarkerName || n.EndsWith("/" + StandInArchives.MarkerName, StringComparison.Ordinal), file.Path);
            if (ReleaseFixtures.Release.TryLoad(file.Artifact, file.Version) is { } release && file.Format != ArchiveFormat.File)
                problems.AddRange(release.Entries.Where(e => !names.Contains(e)).Select(e => $"{file.Artifact}: {e} missing from {Path.GetFileName(file.Path)}"));
            if (file.Release is null)
            {
                (await File.ReadAllTextAsync(file.ChecksumPath)).ShouldStartWith(file.Sha512);
                continue;
            }
            Path.GetFileName(file.Path).ShouldBe(file.Release.FileName);
            (await store.ImportAsync(file.Release, fixture.Archives, CancellationToken.None)).ShouldBeTrue(file.Artifact);
            store.State(file.Release).ShouldNotBe(StoredState.Missing, file.Artifact);
        }
        problems.ShouldBeEmpty(string.Join('\n', problems));
    }

    [Fact]
    public void Every_service_of_a_host_starts_records_its_start_listens_on_its_ports_and_answers_with_its_signature()
    {
        var failures = new List<string>();
        var readyChecked = 0;
        foreach (var file in fixture.Files.Where(f => f.Spec.Services.Count > 0))
        {
            var host = file.Spec.Services[0].Host;
            var services = file.Spec.Services.Where(s => s.Host == host).ToList();
            fixture.WriteFilesOf(host);
            var logDir = Path.Combine(fixture.Logs, "services", file.Artifact);
            var running = services.Select(s => (Service: s, Process: Start(s, logDir))).ToList();
            try
            {
                foreach (var (service, process) in running)
                {
                    var where = $"{file.Artifact} {service.Unit} on {host}";
                    foreach (var port in service.Ports)
                    {
                        var answer = HttpGet(port, "/stand-in-probe", process, where);
                        if (!answer.Contains($"X-Datalyptica-Stand-In: {file.Artifact} {file.Version}", StringComparison.Ordinal) ||
                            !answer.Contains("\"standIn\": true", StringComparison.Ordinal))
                            failures.Add($"{where}: port {port.Name} {port.Address}:{port.Port} answered without the signature: {answer}");
                        if (port.Ready is { } ready)
                        {
                            readyChecked++;
                            var body = HttpGet(port, ready.Path, process, where).Split("\r\n\r\n", 2)[1];
                            if (!Regex.IsMatch(body, ready.Expect) || !body.Contains("\"standIn\": true", StringComparison.Ordinal))
                                failures.Add($"{where}: {ready.Path} on {port.Name} answered '{body}', which the front door's '{ready.Expect}' does not take or which lacks the signature");
                        }
                    }
                }
                // A client speaking another protocol (Kafka's binary one) gets the one-line signature.
                if (services.SelectMany(s => s.Ports).FirstOrDefault() is { } first)
                    Raw(first).ShouldBe($"DATALYPTICA-STAND-IN {file.Artifact} {file.Version}\n");
                else failures.Add($"{file.Artifact} on {host}: no service declares a port");
            }
            finally
            {
                foreach (var (_, process) in running) Stop(process);
            }
            foreach (var (service, process) in running)
                // A stand-in exits 0 on SIGTERM; under a JVM (Nessie's jar) the JVM ends with 143, which the unit counts as success.
                if (process.ExitCode != 0 && process.ExitCode != service.SuccessExitStatus) failures.Add($"{file.Artifact} {service.Unit}: exit {process.ExitCode} after SIGTERM: {process.StandardError.ReadToEnd()}");

            var log = File.ReadAllText(Path.Combine(logDir, "stand-in-" + file.Artifact + ".jsonl"));
            log.ShouldNotContain(SecretValue);
            var records = StandInLog.Read(logDir);
            foreach (var service in services)
            {
                var start = records.SingleOrDefault(r => r.Event == StandInEvent.Start && r.Unit == service.Unit && r.Mode == "service");
                if (start is null) { failures.Add($"{file.Artifact} {service.Unit}: no start record in {log}"); continue; }
                start.Arguments.ShouldBe(service.Args, $"{file.Artifact} {service.Unit}");
                start.Host.ShouldBe(host);
                start.SecretVariables.ShouldContain("DATALYPTICA_TEST_SECRET_TOKEN");
                start.Failed.ShouldBeNull();
                if (file.Spec.JavaMajor is { } need)
                    start.Json.GetProperty("checks").GetProperty("java").GetProperty("major").GetInt32().ShouldBeGreaterThanOrEqualTo(need);
                if (service.Ports.Count > 0 && !records.Any(r => r.Event == StandInEvent.Request && r.Unit == service.Unit && r.Request == "GET /stand-in-probe"))
                    failures.Add($"{file.Artifact} {service.Unit}: no request record in {log}");
            }
        }
        failures.ShouldBeEmpty(string.Join('\n', failures));
        readyChecked.ShouldBeGreaterThan(0, "no stand-in port carries a front-door ready answer (Trino's /v1/info)");
    }

    [Fact]
    public void A_missing_config_file_stops_the_start_with_exit_78_naming_it()
    {
        var file = fixture.Files.Single(f => f.Artifact == "kafka");
        var service = file.Spec.Services.First(s => s.Configs.Any(c => c.Format == "properties"));
        fixture.WriteFilesOf(service.Host);
        var config = service.Configs.First(c => c.Format == "properties").Path;
        File.Delete(fixture.HostRoot + config);
        try
        {
            var (code, stderr) = RunToEnd(service, Path.Combine(fixture.Logs, "missing"));
            code.ShouldBe(78);
            stderr.ShouldContain($"stand-in kafka {file.Version}: {config} does not exist");
            StandInLog.Read(Path.Combine(fixture.Logs, "missing")).Single().Failed.ShouldBe($"{config} does not exist");
        }
        finally { fixture.WriteFilesOf(service.Host); }
    }

    [Fact]
    public void A_config_file_that_does_not_parse_stops_the_start_with_exit_78()
    {
        var file = fixture.Files.Single(f => f.Artifact == "loki");
        var service = file.Spec.Services[0];
        fixture.WriteFilesOf(service.Host);
        var config = service.Configs.First(c => c.Format == "yaml").Path;
        File.WriteAllText(fixture.HostRoot + config, "server: [unclosed\n  - : :\n");
        try
        {
            var (code, stderr) = RunToEnd(service, Path.Combine(fixture.Logs, "unparsed"));
            code.ShouldBe(78, stderr);
            stderr.ShouldContain($"{config} does not parse as YAML");
        }
        finally { fixture.WriteFilesOf(service.Host); }
    }

    [Fact]
    public void Trino_refuses_a_jdk_below_23_and_starts_on_the_temurin_23_stand_in()
    {
        var trino = fixture.Files.Single(f => f.Artifact == "trino");
        var jdk = fixture.Files.Single(f => f.Artifact == "jdk");
        var service = trino.Spec.Services[0];
        service.Environment["JAVA_HOME"].ShouldBe(PlatformPaths.Current("jdk"));
        fixture.WriteFilesOf(service.Host);
        var java = fixture.HostRoot + PlatformPaths.Current("jdk") + "/bin/java";
        var real = File.ReadAllText(java);
        File.WriteAllText(java, StandInArchives.Program(jdk.Spec with { Jdk = StandInSpecs.Jdk("17.0.13+11") }));
        try
        {
            var (code, stderr) = RunToEnd(service, Path.Combine(fixture.Logs, "jdk17"));
            code.ShouldBe(78, stderr);
            stderr.ShouldContain($"stand-in trino {trino.Version}: needs Java 23 or newer, {PlatformPaths.Current("jdk")}/bin/java is Java 17");
        }
        finally { File.WriteAllText(java, real); }
        var (_, version) = RunToEnd(service with { Args = ["-version"] }, Path.Combine(fixture.Logs, "jdk23"), program: PlatformPaths.Current("jdk") + "/bin/java");
        version.ShouldContain("openjdk version \"23.0.2\" 2025-01-21");
        version.ShouldContain("OpenJDK Runtime Environment Temurin-23.0.2+7");
    }

    [Fact]
    public void Nessie_runs_its_runner_jar_under_the_real_java()
    {
        var file = fixture.Files.Single(f => f.Artifact == "nessie");
        var service = file.Spec.Services[0];
        service.Launcher[0].ShouldBe("/usr/bin/java");
        using (var jar = ZipFile.OpenRead(file.Path))
            jar.GetEntry("META-INF/MANIFEST.MF").ShouldNotBeNull();
        var log = Path.Combine(fixture.Logs, "nessie-version");
        var (code, output) = RunToEnd(service with { Args = ["--version"] }, log);
        code.ShouldBe(0, output);
        output.ShouldContain($"nessie {file.Version} (datalyptica stand-in)");
        StandInLog.Read(log).Single().Environment("DATALYPTICA_STANDIN_RUNNING_JAVA").ShouldNotBeNull();
    }

    [Fact]
    public void A_first_start_command_records_its_arguments_and_checks_the_config_it_names()
    {
        var file = fixture.Files.Single(f => f.Artifact == "kafka");
        var command = file.Spec.Commands.First(c => c.Program.EndsWith("/bin/kafka-storage.sh", StringComparison.Ordinal));
        fixture.WriteFilesOf(command.Host);
        // The program and its arguments as the command names them (after `runuser -u kafka --`).
        var words = StandInSpecs.SplitExec(command.Command[command.Command.IndexOf(command.Program, StringComparison.Ordinal)..]);
        var log = Path.Combine(fixture.Logs, "format");
        var env = Environment(log, command.Host);
        var output = StandInArchives.Run(fixture.HostRoot + words[0], words.Skip(1), environment: env);
        var start = StandInLog.Read(log).Single();
        start.Mode.ShouldBe("command");
        start.Arguments.ShouldBe(words.Skip(1).ToList());
        var config = words[words.IndexOf("-c") + 1];
        start.Json.GetProperty("checks").GetProperty("parsed").EnumerateArray().Select(p => p.GetProperty("path").GetString()).ShouldContain(config, output);
        // What the guard tests for (meta.properties in each storage folder) is left behind, as the real format would.
        command.Creates.ShouldNotBeEmpty();
        foreach (var created in command.Creates) File.Exists(fixture.HostRoot + created).ShouldBeTrue(created);
        start.Json.GetProperty("created").GetArrayLength().ShouldBe(command.Creates.Count);
    }

    [Fact]
    public void The_wheelhouses_install_with_the_real_pip_and_their_programs_are_the_stand_in()
    {
        var wheelhouses = fixture.Files.Where(f => f.Format == ArchiveFormat.Wheelhouse).ToList();
        wheelhouses.Select(f => f.Artifact).Order().ShouldBe(["airflow", "mlflow", "superset"]);
        foreach (var file in wheelhouses)
        {
            // Installed by the fixture with exactly WheelhouseInstall.Command (the venv and the marker, current linked).
            var current = fixture.HostRoot + PlatformPaths.Current(file.Artifact);
            File.Exists(Path.Combine(current, ArtifactResource.MarkerName)).ShouldBeTrue(file.Artifact);
            foreach (var program in file.Spec.EntryPrograms)
            {
                var log = Path.Combine(fixture.Logs, "wheel-" + file.Artifact);
                if (Path.GetFileName(program).StartsWith("python", StringComparison.Ordinal))
                {
                    // The venv's own python, run with -c as the schema step does: the .pth hook answers as the stand-in.
                    StandInArchives.Run(Path.Combine(current, program), ["-c", "raise SystemExit(3)"], environment: Environment(log, null));
                    StandInLog.Read(log).Last().Mode.ShouldBe("command");
                    continue;
                }
                var output = StandInArchives.Run(Path.Combine(current, program), ["--version"], environment: Environment(log, null));
                output.ShouldContain($"{file.Artifact} {file.Version} (datalyptica stand-in)");
                StandInLog.Read(log).Last().Argv[0].ShouldEndWith(program);
            }
        }
    }

    // --- running stand-ins ---------------------------------------------------------------------------------------------

    private Dictionary<string, string> Environment(string logDir, string? host)
    {
        var env = new Dictionary<string, string>
        {
            ["DATALYPTICA_STANDIN_ROOT"] = fixture.HostRoot,
            ["DATALYPTICA_STANDIN_LOG_DIR"] = logDir,
            ["DATALYPTICA_TEST_SECRET_TOKEN"] = SecretValue,
            // Recorded (a DATALYPTICA_ variable), its URL's password never: MLflow's backend store URI is such a value.
            ["DATALYPTICA_TEST_STORE_URI"] = $"postgresql://app:{SecretValue}@db.example:5432/app",
            // Not a path: recorded by name only, whatever it holds (Airflow's AIRFLOW_CONN_* JSON carries the S3 secret key).
            ["DATALYPTICA_TEST_CONN"] = $"{{\"conn_type\": \"aws\", \"password\": \"{SecretValue}\"}}",
        };
        if (host is not null) env["DATALYPTICA_STANDIN_HOST"] = host;
        return env;
    }

    /// <summary>The unit's command line with the program under the test root, its Environment= and EnvironmentFile= set (as systemd would).</summary>
    private ProcessStartInfo StartInfo(StandInService service, string logDir, string? program = null)
    {
        var env = new Dictionary<string, string>(service.Environment);
        foreach (var envFile in service.EnvironmentFiles)
            foreach (var line in File.ReadAllLines(fixture.HostRoot + envFile))
                if (line.Trim() is { Length: > 0 } l && !l.StartsWith('#') && l.IndexOf('=') is var eq and > 0)
                    env[l[..eq]] = l[(eq + 1)..].Trim('"');
        var words = service.Launcher.SelectMany(w => w.StartsWith('$') && env.TryGetValue(w.Trim('$', '{', '}'), out var v)
            ? v.Split(' ', StringSplitOptions.RemoveEmptyEntries) : w.StartsWith('$') ? [] : [w]).ToList();
        var executable = fixture.HostRoot + (program ?? service.Program);
        var argv = program is not null ? [executable] : words.Count > 0 ? [.. words, executable] : new List<string> { executable };
        var info = new ProcessStartInfo(argv[0] == "/usr/bin/java" ? "java" : argv[0])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
            WorkingDirectory = service.WorkingDirectory is { } wd ? Directory.CreateDirectory(fixture.HostRoot + wd).FullName : fixture.Root,
        };
        foreach (var a in argv.Skip(1).Concat(service.Args)) info.ArgumentList.Add(a);
        foreach (var (k, v) in env.Concat(Environment(logDir, service.Host))) info.Environment[k] = v;
        return info;
    }

    private Process Start(StandInService service, string logDir) => Process.Start(StartInfo(service, logDir))!;

    private (int Code, string Output) RunToEnd(StandInService service, string logDir, string? program = null)
    {
        using var process = Process.Start(StartInfo(service, logDir, program))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000)) { process.Kill(true); throw new TimeoutException($"{service.Program} did not exit"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited) StandInArchives.Run("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        if (!process.WaitForExit(15_000)) process.Kill(entireProcessTree: true);
    }

    private static string HttpGet(StandInPort port, string path, Process process, string where)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Parse(port.Address), port.Port);
                using var stream = client.GetStream();
                stream.Write(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {port.Address}\r\nConnection: close\r\n\r\n"));
                stream.ReadTimeout = 5000;
                return new StreamReader(stream).ReadToEnd();
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !process.HasExited)
            {
                Thread.Sleep(100);
            }
            catch (SocketException e)
            {
                throw new InvalidOperationException($"{where}: nothing listens on {port.Address}:{port.Port} ({port.Name}): {e.Message}" +
                    (process.HasExited ? $"; it exited {process.ExitCode}: {process.StandardError.ReadToEnd()}" : ""));
            }
        }
    }

    private static string Raw(StandInPort port)
    {
        using var client = new TcpClient();
        client.Connect(IPAddress.Parse(port.Address), port.Port);
        using var stream = client.GetStream();
        stream.Write([0, 0, 0, 20, 0, 18, 0, 3]); // the start of a Kafka ApiVersions request: not a request line
        stream.ReadTimeout = 5000;
        return new StreamReader(stream).ReadToEnd();
    }

    private static List<string> Entries(StandInFile file)
    {
        if (file.Format is ArchiveFormat.Zip or ArchiveFormat.File)
        {
            using var zip = ZipFile.OpenRead(file.Path);
            return zip.Entries.Select(e => e.FullName).ToList();
        }
        var names = new List<string>();
        using var gzip = new GZipStream(File.OpenRead(file.Path), CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry) names.Add(entry.Name);
        return names;
    }
}
