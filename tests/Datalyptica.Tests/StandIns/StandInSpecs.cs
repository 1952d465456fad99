using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Components.ReleaseFiles;

namespace Datalyptica.Tests.StandIns;

/// <summary>A port a stand-in service listens on: the role's <see cref="PortSpec"/> on its host, at the host's address (what probes reach).</summary>
public sealed record StandInPort(string Name, string Address, int Port)
{
    /// <summary>
    /// A front-door route's health check on this port that expects a body (<see cref="HttpRoute.ExpectBody"/>): the
    /// stand-in answers <see cref="HttpRoute.ReadyExample"/> there, with its own signature added, so HAProxy takes it.
    /// </summary>
    public StandInReady? Ready { get; init; }
}

/// <summary>What a ready server answers on a health path (a JSON object), and the regex the front door's check expects in it.</summary>
public sealed record StandInReady(string Path, string Body, string Expect);

/// <summary>A rendered file the program reads at start, and the format it must parse in.</summary>
public sealed record StandInConfig(string Path, string Format);

/// <summary>
/// One systemd unit the site renders for the artifact on one host: its ExecStart split as systemd splits it, around the
/// artifact's program (<see cref="Launcher"/>: what comes before it, e.g. <c>/usr/bin/java $JAVA_OPTS -jar</c>).
/// </summary>
public sealed record StandInService(string Host, string Unit, string Program, IReadOnlyList<string> Launcher, IReadOnlyList<string> Args,
    IReadOnlyList<StandInPort> Ports, IReadOnlyList<StandInConfig> Configs, IReadOnlyList<string> MustExist,
    IReadOnlyDictionary<string, string> Environment, IReadOnlyList<string> EnvironmentFiles, string? WorkingDirectory, string User)
{
    /// <summary>The unit's SuccessExitStatus (143: a JVM ended by SIGTERM), besides 0.</summary>
    public int? SuccessExitStatus { get; init; }
}

/// <summary>A guarded command (first-start step or command against the service) that runs one of the artifact's programs.</summary>
public sealed record StandInCommand(string Host, string Name, string Program, IReadOnlyList<string> MustExist, string Command)
{
    /// <summary>
    /// Files the command's guard tests for (<c>test -f PATH</c>) that the command does not write itself: what the real
    /// program leaves behind (Kafka's format: meta.properties in each storage folder). The stand-in writes them, so
    /// the guard and the units' ExecStartPre see what they would after the real program, and the step runs once.
    /// </summary>
    public IReadOnlyList<string> Creates { get; init; } = [];
}

/// <summary>What a JDK stand-in's <c>bin/java -version</c> answers.</summary>
public sealed record StandInJdk(string Vendor, string Version, string Feature, string Date);

/// <summary>
/// Everything one artifact's stand-in needs to know, built from the site's own declarations and rendered files
/// (<see cref="StandInSpecs.For"/>). Serialised (camelCase JSON) into every stand-in program of the archive.
/// </summary>
public sealed record StandInSpec(string Artifact, string Version, ArchiveFormat Format)
{
    [JsonIgnore] public ArtifactRelease? Release { get; init; }
    /// <summary>Programs the plan runs from the install folder, relative to it (<c>bin/kafka-server-start.sh</c>).</summary>
    public IReadOnlyList<string> EntryPrograms { get; init; } = [];
    public string InstallDir => PlatformPaths.Install(Artifact, Version);
    public string CurrentDir => PlatformPaths.Current(Artifact);
    /// <summary>The least Java major version the real program runs on (null: not a Java program).</summary>
    public int? JavaMajor { get; init; }
    /// <summary>Where that requirement is documented upstream.</summary>
    public string? JavaSource { get; init; }
    /// <summary>Where it appends its log (<c>stand-in-ARTIFACT.jsonl</c>): the owning component's log folder.</summary>
    public string? LogDirectory { get; init; }
    /// <summary>Set for a JDK artifact: its <c>bin/java</c> answers <c>-version</c> like the real one.</summary>
    public StandInJdk? Jdk { get; init; }
    public IReadOnlyList<StandInService> Services { get; init; } = [];
    public IReadOnlyList<StandInCommand> Commands { get; init; } = [];
    /// <summary>Every rendered file of the component by path, with its format: an argument naming one makes it parse.</summary>
    public IReadOnlyDictionary<string, string> Files { get; init; } = new Dictionary<string, string>();

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>Builds the stand-in spec of every artifact a site installs, from its components and its rendered files.</summary>
public static partial class StandInSpecs
{
    [GeneratedRegex(@"\btest -f '?(?<path>/[^\s']+)'?")] private static partial Regex GuardedFile();

    /// <summary>
    /// The least Java major each Java release runs on, from upstream's documentation (the JDK stand-in answers its own
    /// version; Debian 12's openjdk-17 is what `java` on PATH finds on a host):
    /// Kafka 3.9: "Java 8, Java 11, and Java 17 are supported" (kafka.apache.org/39/documentation.html#java);
    /// Trino 469: "Java 23 ... is required" (trino.io/docs/469/installation/deployment.html);
    /// Keycloak 26: OpenJDK 17 or 21 (keycloak.org/server/installation, prerequisites);
    /// Flink 1.20: Java 8 (deprecated), 11, 17 (nightlies.apache.org/flink/flink-docs-release-1.20/docs/deployment/java_compatibility/);
    /// Spark 3.5: "Spark runs on Java 8/11/17" (spark.apache.org/docs/3.5.4/#downloading);
    /// Nessie 0.98 server jar: "Requires Java 17 or newer" (projectnessie.org/downloads; Java 17 since 0.75.0);
    /// Schema Registry 7.8 (Confluent Platform 7.8): Java 11 or 17 (docs.confluent.io/platform/7.8/installation/versions-interoperability.html).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (int Major, string Source)> JavaNeeds = new Dictionary<string, (int, string)>
    {
        ["kafka"] = (8, "kafka.apache.org/39/documentation.html#java"),
        ["trino"] = (23, "trino.io/docs/469/installation/deployment.html"),
        ["keycloak"] = (17, "keycloak.org/server/installation"),
        ["flink"] = (8, "nightlies.apache.org/flink/flink-docs-release-1.20/docs/deployment/java_compatibility/"),
        ["spark"] = (8, "spark.apache.org/docs/3.5.4/#downloading"),
        ["nessie"] = (17, "projectnessie.org/downloads"),
        ["schema_registry"] = (11, "docs.confluent.io/platform/7.8/installation/versions-interoperability.html"),
    };

    /// <summary>One spec per artifact the site installs (components from an artifact, and their runtimes such as Trino's JDK).</summary>
    public static IReadOnlyList<StandInSpec> For(Site site) => For(site, SiteRenderer.Render(site));

    public static IReadOnlyList<StandInSpec> For(Site site, IReadOnlyList<HostFiles> rendered)
    {
        var specs = new List<StandInSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var component in ComponentCatalog.All.Where(c => c.InstallOn(site) == InstallSource.Artifact && site.Deploys(c)))
        {
            var version = site.Versions.GetValueOrDefault(component.Id, component.DefaultVersion);
            if (seen.Add(component.Id)) specs.Add(Build(site, rendered, component, component.Id, version, null));
            foreach (var runtime in component.Runtimes)
                if (seen.Add(runtime.Artifact)) specs.Add(Build(site, rendered, component, runtime.Artifact, runtime.Version, runtime));
        }
        return specs;
    }

    private static StandInSpec Build(Site site, IReadOnlyList<HostFiles> rendered, ComponentDefinition component, string artifact, string version, ArtifactRelease? runtime)
    {
        var release = runtime ?? ReleaseFixtures.Manifest(artifact, version);
        var format = ArtifactResource.For(artifact, version, null, release, null).Format;
        var fixture = ReleaseFixtures.Release.TryLoad(artifact, version);
        var entry = new SortedSet<string>(release?.EntryPrograms ?? [], StringComparer.Ordinal);
        var services = new List<StandInService>();
        var commands = new List<StandInCommand>();
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var hostFiles in rendered)
        {
            var host = hostFiles.Host;
            foreach (var file in hostFiles.Files.Where(f => f.Component == component.Id && f.Kind != FileKind.SystemdUnit))
                files[file.Path] = FormatOf(file.Path);
            if (runtime is not null) continue;
            var units = hostFiles.Files.Where(f => f.Component == component.Id && f.Kind == FileKind.SystemdUnit).ToList();
            foreach (var unit in units)
            {
                var service = Service(site, host, hostFiles, component, artifact, version, unit, units.Count);
                if (service is null) continue;
                services.Add(service);
                entry.Add(Relative(service.Program, artifact, version)!);
            }
            foreach (var command in component.Lifecycle.Commands?.Invoke(site, host) ?? [])
                foreach (var (program, needs) in CommandPrograms(command.Command, artifact, version, entry))
                {
                    commands.Add(new StandInCommand(host.Name, command.Name, program, needs, command.Command)
                    {
                        Creates = GuardedFile().Matches(command.Unless).Select(m => m.Groups["path"].Value)
                            .Where(p => !command.Command.Contains(p, StringComparison.Ordinal)).Distinct().ToList(),
                    });
                    entry.Add(Relative(program, artifact, version)!);
                }
        }
        // Entry programs must be files of the release (a fixture-less artifact, such as a wheelhouse, takes what the plan runs).
        var entries = entry.Where(e => fixture is null || fixture.Unpacked.Contains(e)).ToList();
        var java = runtime is null && JavaNeeds.TryGetValue(artifact, out var need) ? need : ((int, string)?)null;
        return new StandInSpec(artifact, version, format)
        {
            Release = release,
            EntryPrograms = entries,
            JavaMajor = java?.Item1,
            JavaSource = java?.Item2,
            LogDirectory = PlatformPaths.Logs(component.Id),
            Jdk = artifact == TrinoReleaseJdk ? Jdk(version) : null,
            Services = services,
            Commands = commands,
            Files = files,
        };
    }

    private const string TrinoReleaseJdk = Datalyptica.Components.Trino.TrinoRelease.JdkArtifact;

    /// <summary>Temurin's `java -version` for a version such as 23.0.2+7 (its release date from Adoptium's release notes for 23.0.2).</summary>
    public static StandInJdk Jdk(string version) => new("Temurin", version, version.Split('+')[0], version.StartsWith("23.0.2", StringComparison.Ordinal) ? "2025-01-21" : "2024-01-16");

    /// <summary>The path relative to the artifact's install folder (under current or the version), or null.</summary>
    public static string? Relative(string path, string artifact, string version)
    {
        foreach (var dir in new[] { PlatformPaths.Current(artifact), PlatformPaths.Install(artifact, version) })
            if (path.StartsWith(dir + "/", StringComparison.Ordinal)) return path[(dir.Length + 1)..];
        return null;
    }

    private static StandInService? Service(Site site, Host host, HostFiles hostFiles, ComponentDefinition component, string artifact, string version,
        RenderedFile unit, int unitCount)
    {
        var lines = unit.Content.Split('\n');
        string? Value(string key) => lines.FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];
        var exec = Value("ExecStart");
        if (exec is null) return null;
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in lines.Where(l => l.StartsWith("Environment=", StringComparison.Ordinal)))
            foreach (var word in SplitExec(line["Environment=".Length..]))
                if (word.IndexOf('=') is var eq and > 0) env[word[..eq]] = word[(eq + 1)..];
        var envFiles = lines.Where(l => l.StartsWith("EnvironmentFile=", StringComparison.Ordinal))
            .Select(l => l["EnvironmentFile=".Length..].TrimStart('-')).ToList();
        var argv = SplitExec(exec.TrimStart('-', '+', '@', '!', ':'));
        var at = argv.FindIndex(a => Relative(a, artifact, version) is not null);
        if (at < 0) return null;
        var program = argv[at];
        var unitName = Path.GetFileNameWithoutExtension(unit.Path);

        // The rendered files the unit names (arguments, environment, environment files), one level deep through the env files.
        var others = hostFiles.Files.Where(f => f.Kind != FileKind.SystemdUnit).ToList();
        var configs = new List<StandInConfig>();
        var texts = new List<string> { unit.Content };
        foreach (var f in others.Where(f => envFiles.Contains(f.Path))) texts.Add(f.Content);
        foreach (var f in others)
        {
            if (!texts.Any(t => Names(t, f.Path))) continue;
            configs.Add(new StandInConfig(f.Path, envFiles.Contains(f.Path) ? "env" : FormatOf(f.Path)));
        }
        var must = new SortedSet<string>(StringComparer.Ordinal) { program };
        foreach (var text in texts)
            foreach (Match m in ReleaseFixtures.InstallPath.Matches(text))
            {
                if (hostFiles.Files.Any(f => f.Path == m.Value)) continue;
                must.Add(m.Value);
                foreach (var implied in ReleaseFixtures.Implied(text, m)) must.Add(implied);
            }
        return new StandInService(host.Name, unitName, program, argv[..at], argv[(at + 1)..], Ports(host, component, unitName, unitCount),
            configs, [.. must], env, envFiles, Value("WorkingDirectory"), Value("User") ?? "root")
        {
            SuccessExitStatus = int.TryParse(Value("SuccessExitStatus"), out var status) ? status : null,
        };
    }

    /// <summary>
    /// The ports a unit listens on: the ports of the component's roles on the host that the unit stands for. A
    /// component with one unit on the host serves all its roles there; otherwise a role goes to the unit whose name
    /// carries the role's own word (kafka_broker: kafka-broker; spark_history: spark-history), and a role named like the
    /// component alone (clickhouse) to the unit no other role claims.
    /// </summary>
    private static List<StandInPort> Ports(Host host, ComponentDefinition component, string unitName, int unitCount)
    {
        var roles = component.Roles.Where(host.Has).ToList();
        var words = unitName.Split('-', '_', '@');
        string[] Own(RoleDefinition r) => r.Group.Split('_').Except(component.Id.Split('_')).ToArray();
        List<RoleDefinition> mine;
        if (unitCount == 1) mine = roles;
        else
        {
            mine = roles.Where(r => Own(r) is { Length: > 0 } own && own.All(words.Contains)).ToList();
            if (mine.Count == 0 && roles.Where(r => Own(r).Length > 0).All(r => !Own(r).All(words.Contains)))
                mine = roles.Where(r => Own(r).Length == 0).ToList();
        }
        var ready = component.HttpRoutes.Where(r => r.ReadyExample is not null && mine.Contains(r.Role)).ToList();
        return mine.SelectMany(r => r.Ports).Where(p => p.Protocol == PortProtocol.Tcp).DistinctBy(p => p.Name)
            .Select(p => new StandInPort(p.Name, host.Address.ToString(), host.Port(p))
            {
                Ready = ready.Where(r => (r.HealthPort ?? r.Port) == p).Select(r => new StandInReady(r.HealthPath, r.ReadyExample!, r.ExpectBody!)).FirstOrDefault(),
            }).DistinctBy(p => p.Port).ToList();
    }

    /// <summary>The artifact's programs a guarded command runs (absolute, or relative after <c>cd INSTALL &amp;&amp;</c>), with what each reads beside itself.</summary>
    private static IEnumerable<(string Program, string[] Needs)> CommandPrograms(string command, string artifact, string version, IEnumerable<string> knownEntries)
    {
        var found = new List<(string, string[])>();
        foreach (Match m in ReleaseFixtures.InstallPath.Matches(command))
        {
            var rel = Relative(m.Value, artifact, version);
            if (rel is null || !(rel.StartsWith("bin/", StringComparison.Ordinal) || rel.Contains("/bin/", StringComparison.Ordinal))) continue;
            found.Add((m.Value, [m.Value, .. ReleaseFixtures.Implied(command, m)]));
        }
        foreach (var dir in new[] { PlatformPaths.Install(artifact, version), PlatformPaths.Current(artifact) })
            if (command.Contains($"cd {dir} && ", StringComparison.Ordinal))
                foreach (var entry in knownEntries.ToList())
                    if (Regex.IsMatch(command, $@"(^|[\s;&|]){Regex.Escape(entry)}(\s|$)"))
                        found.Add(($"{dir}/{entry}", [$"{dir}/{entry}"]));
        return found.DistinctBy(f => f.Item1);
    }

    private static bool Names(string text, string path)
    {
        var at = 0;
        while ((at = text.IndexOf(path, at, StringComparison.Ordinal)) >= 0)
        {
            var end = at + path.Length;
            if (end == text.Length || !(char.IsLetterOrDigit(text[end]) || text[end] is '.' or '_' or '-' or '/')) return true;
            at = end;
        }
        return false;
    }

    /// <summary>The format a rendered file must parse in, by its name.</summary>
    public static string FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".properties" => "properties",
        ".yaml" or ".yml" => "yaml",
        ".xml" => "xml",
        ".json" => "json",
        ".toml" => "toml",
        ".ini" => "ini",
        ".env" => "env",
        _ => "text",
    };

    /// <summary>systemd's word splitting of a command line: whitespace separates, double and single quotes group, backslash escapes.</summary>
    public static List<string> SplitExec(string line)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is { } q)
            {
                if (c == q) quote = null;
                else if (c == '\\' && i + 1 < line.Length && q == '"') current.Append(line[++i]);
                else current.Append(c);
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (inWord) { words.Add(current.ToString()); current.Clear(); inWord = false; }
                continue;
            }
            inWord = true;
            if (c is '"' or '\'') quote = c;
            else if (c == '\\' && i + 1 < line.Length) current.Append(line[++i]);
            else current.Append(c);
        }
        if (inWord) words.Add(current.ToString());
        return words;
    }
}
