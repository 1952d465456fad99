using Datalyptica.Cli.Commands;
using Datalyptica.Engine.Transport;
using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;

namespace Datalyptica.Cli;

/// <summary>Where commands write: people's output, machine output (same stream) and errors (stderr).</summary>
public sealed record CliIo(IAnsiConsole Out, TextWriter Error)
{
    /// <summary>Set in the daemon: SSH sessions kept between runs (null: each run opens and closes its own).</summary>
    public ConnectionKeeper? Keeper { get; init; }

    /// <summary>
    /// Whether a verb may ask a question on stdin (apply's plan, restart's order): false when stdin is not a terminal,
    /// so a script or CI job is refused with the flag to pass instead of hanging on a prompt.
    /// </summary>
    public bool CanAsk { get; init; } = !Console.IsInputRedirected;
}

/// <summary>The command tree. Thin: every verb parses, calls the library, and hands the result to a view.</summary>
public static class DatalypticaCli
{
    // Kept as names for the two most common codes; every code is in ExitCodes.
    public const int Ok = ExitCodes.Ok;
    public const int Failed = ExitCodes.Failed;

    public static int Run(string[] args, IAnsiConsole console, TextWriter error) => Run(args, new CliIo(console, error));

    public static int Run(string[] args, CliIo io) => Build(io, args = Normalize(args)).Run(args);

    /// <summary>One run with its own output and cancellation (the daemon serves many runs in one process).</summary>
    public static Task<int> RunAsync(string[] args, CliIo io, CancellationToken cancellation) =>
        Build(io, args = Normalize(args)).RunAsync(args, cancellation);

    /// <summary>`--version` alone is the `version` verb (Spectre's own would also take -v, which is --verbose here).</summary>
    private static string[] Normalize(string[] args) => args is ["--version", .. var rest] ? ["version", .. rest] : args;

    /// <summary>Every verb as it is typed ("validate", "inventory list"), hidden ones left out (the golden-help tests cover each).</summary>
    internal static IReadOnlyList<string> VerbPaths()
    {
        IEnumerable<string> Paths(ICommandContainer container, string prefix) => container.Commands.Where(c => !c.IsHidden)
            .SelectMany(c => c.IsBranch ? Paths(c, prefix + c.Name + " ") : [prefix + c.Name]);
        return Paths(CommandModel(), "").ToList();
    }

    /// <summary>The command tree as Spectre built it (verbs, their options and examples).</summary>
    internal static ICommandModel CommandModel()
    {
        var quiet = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(TextWriter.Null) });
        var registrar = new SimpleRegistrar();
        Build(new CliIo(quiet, TextWriter.Null), ["--help"], registrar).Run(["--help"]);
        return registrar.Model!;
    }

    private static CommandApp Build(CliIo io, IReadOnlyList<string> args, SimpleRegistrar? registrar = null)
    {
        var (console, error) = (io.Out, io.Error);
        registrar ??= new SimpleRegistrar();
        registrar.RegisterInstance(typeof(CliIo), io);
        var app = new CommandApp(registrar);
        app.Configure(config =>
        {
            config.SetApplicationName("datalyptica");
            config.SetInterceptor(new VerboseInterceptor());
            config.ConfigureConsole(console);
            // An unknown option is an error, not a value handed to the verb as "remaining" (a mistyped --limit must
            // never mean every host). Arguments after "--" stay allowed (lab ssh HOST -- COMMAND).
            config.UseStrictParsing();
            config.Settings.ExceptionHandler = (ex, _) =>
            {
                if (UsageErrors.TryExplain(ex, args, registrar.Model, error)) return ExitCodes.Usage;
                // Library exceptions carry file, key and fix in their message; never a stack trace for users. Parallel work
                // (render, plan) wraps them: show each distinct one, not "One or more errors occurred. (x) (x)".
                var messages = ex is AggregateException many ? many.Flatten().InnerExceptions.Select(e => e.Message).Distinct() : [ex.Message];
                foreach (var message in messages) error.WriteLine($"error: {message}");
                return Failed;
            };
            config.AddCommand<InitCommand>("init")
                .WithDescription("Write a ready site (Ansible inventory: hosts.yml, group_vars/, host_vars/) for a built-in profile.")
                .WithExample("init", "--profile", "production", "--out", "site");
            config.AddBranch("inventory", inventory =>
            {
                inventory.SetDescription("Generate and inspect Ansible inventories.");
                inventory.AddCommand<InventoryGenerateCommand>("generate")
                    .WithDescription("Build a site from a list of IP addresses and a profile (what the reference design's generate-inventory.sh does).")
                    .WithExample("inventory", "generate", "--profile", "production", "--ips", "ips.txt", "--out", "site");
                inventory.AddCommand<InventoryListCommand>("list")
                    .WithDescription("Show the hosts of a site with tier, address, size and roles.")
                    .WithExample("inventory", "list", "site");
            });
            config.AddCommand<ValidateCommand>("validate")
                .WithDescription("Check a site before any host is touched: quorums, ports, VIPs, dependencies, capacity, secrets, keys.")
                .WithExample("validate", "site");
            config.AddCommand<TopologyCommand>("topology")
                .WithDescription("Draw the site: tiers, hosts with their roles, VIPs and who may hold them, quorum members; svg, dot or mermaid. Contacts no host.")
                .WithExample("topology", "site", "--format", "svg", "--out", "topology.svg");
            config.AddCommand<ReportCommand>("report")
                .WithDescription("One self-contained HTML page: topology, hosts and what runs where, VIPs and quorums, bill of materials, and the last verify, drills, plan and apply. Contacts no host.")
                .WithExample("report", "site", "--out", "report.html");
            config.AddCommand<BomCommand>("bom")
                .WithDescription("Infrastructure requirements per tier and in total (VMs, vCPU, RAM, SSD, object storage), optional cost.")
                .WithExample("bom", "site", "--rates", "rates.yml")
                .WithExample("bom", "--profile", "production");
            config.AddCommand<RenderCommand>("render")
                .WithDescription("Write every configuration file every host needs (for review), derived from the site.")
                .WithExample("render", "site", "--out", "rendered")
                .WithExample("render", "site", "--out", "rendered", "--limit", "pg01", "--component", "patroni");
            config.AddCommand<PlanCommand>("plan")
                .WithDescription("Show what apply would change on each host (diffs, secrets masked); changes nothing. Exit 2 when changes are pending.")
                .WithExample("plan", "site", "--out", "plan.json");
            config.AddCommand<ApplyCommand>("apply")
                .WithDescription("Apply the plan layer by layer, hosts in parallel; journal under SITE/.datalyptica/journal.")
                .WithExample("apply", "site", "--layer", "prerequisites", "--limit", "pg01,pg02");
            config.AddCommand<VerifyCommand>("verify")
                .WithDescription("Check every component's health on every host (read-only, through each host's SSH); exit 0 only when all is healthy.")
                .WithExample("verify", "site", "--component", "patroni")
                .WithExample("verify", "site", "--limit", "catalog:!db03");
            config.AddCommand<DrillCommand>("drill")
                .WithDescription("Failover drills under a steady write load through the VIP (patroni-stop, patroni-crash, patroni-partition, vip-stop, vip-crash, vip-split, redis-crash, redis-partition, etcd-stop, etcd-quorum-loss, zookeeper-crash, power-loss, all); prints measured times, --repeat N their spread. Disrupts the site: labs only.")
                .WithExample("drill", "/var/lib/datalyptica/lab/default/site", "patroni-stop");
            config.AddCommand<RestartCommand>("restart")
                .WithDescription("Rolling restart of one component: one member at a time, each healthy again (verify) before the next; members that lead go last, after a hand-over (Patroni switchover, Sentinel failover). Shows the order and asks first.")
                .WithExample("restart", "site", "patroni")
                .WithExample("restart", "site", "redis", "--yes", "--output", "json")
                .WithExample("restart", "site", "kafka", "--limit", "kafka_broker[[0:1]]");
            config.AddCommand<UpgradeCommand>("upgrade")
                .WithDescription("Rolling upgrade of one component: each member moves to VERSION and restarts, healthy again (verify) before the next; leaders last after a hand-over; a member that fails its gate is rolled back; the version is recorded in the site once every member runs it. Debian-packaged components (postgresql, redis, haproxy) install VERSION from the site's package source; components installed from a release archive (trino, kafka, ...) get VERSION unpacked beside the running one and their current link switched, from the site's artifact store (artifacts fetch --release). An older VERSION rolls back; --rollback undoes the last upgrade (the versions the journal recorded). Shows the plan and asks first.")
                .WithExample("upgrade", "site", "postgresql", "15.20-0+deb12u1")
                .WithExample("upgrade", "site", "postgresql", "15.18-0+deb12u1", "--yes", "--output", "json")
                .WithExample("upgrade", "site", "haproxy", "2.6.12-1+deb12u4", "--limit", "lb01")
                .WithExample("upgrade", "site", "trino", "470")
                .WithExample("upgrade", "site", "postgresql", "--rollback");
            config.AddBranch("hosts", hosts =>
            {
                hosts.SetDescription("Add hosts to the site or take them out, with the clusters serving throughout (quorums checked first).");
                hosts.AddCommand<HostsAddCommand>("add")
                    .WithDescription("New hosts into the inventory (hosts.yml, host_vars/), the site checked whole first, then one apply: the new hosts get everything, the others only what changes with them (member lists, firewall sets, scrape targets). Shows the change and asks first.")
                    .WithExample("hosts", "add", "site", "10.20.1.24", "--like", "pg03")
                    .WithExample("hosts", "add", "site", "10.20.5.31", "10.20.5.32", "--like", "trino-w04", "--group", "trino_worker")
                    .WithExample("hosts", "add", "site", "--from", "new-workers.txt", "--like", "spark-w01", "--yes");
                hosts.AddCommand<HostsRemoveCommand>("remove")
                    .WithDescription("A host out of its groups or the site: a leader hands over first, its work drains, its units stop and are disabled (-), the clusters forget it, the inventory changes and the hosts that stay are applied; every cluster it left must be healthy. Shows the plan and asks first.")
                    .WithExample("hosts", "remove", "site", "pg04")
                    .WithExample("hosts", "remove", "site", "lab04", "--group", "redis", "--yes", "--output", "json")
                    .WithExample("hosts", "remove", "site", "trino-w07", "--host-gone");
            });
            config.AddCommand<ScaleCommand>("scale")
                .WithDescription("Grow a pool (role group) with hosts from an address list, or shrink it from its last host backwards (each a `hosts remove` of that group); quorums checked first. Shows the change and asks first.")
                .WithExample("scale", "site", "trino_worker", "--count", "6", "--from", "spare-addresses.txt")
                .WithExample("scale", "site", "spark_worker", "--count", "2", "--yes");
            config.AddBranch("dr", dr =>
            {
                dr.SetDescription("Disaster recovery, active-passive: a standby site (datalyptica_site_role: standby) streams PostgreSQL from the primary site; promote it when the primary site is lost, rebuild the old primary as the new standby.");
                dr.AddCommand<DrStatusCommand>("status")
                    .WithDescription("The standby site's members, its standby leader's WAL receiver and its lag behind the primary site (bytes and seconds); exit 0 only while it streams.")
                    .WithExample("dr", "status", "dr-site")
                    .WithExample("dr", "status", "dr-site", "--output", "json");
                dr.AddCommand<DrPromoteCommand>("promote")
                    .WithDescription("Make the standby site the primary: standby_cluster leaves its DCS and its standby leader promotes; waits until it serves writes. Shows what it does and asks first.")
                    .WithExample("dr", "promote", "dr-site")
                    .WithExample("dr", "promote", "dr-site", "--yes", "--output", "json");
                dr.AddCommand<DrRebuildCommand>("rebuild")
                    .WithDescription("Make a site's cluster again as a fresh standby of the primary its inventory names (failback after a promotion): Patroni stops, the cluster leaves the DCS, data directories are moved aside, members clone from the primary site. Shows what it does and asks first.")
                    .WithExample("dr", "rebuild", "old-primary-site")
                    .WithExample("dr", "rebuild", "old-primary-site", "--yes");
            });
            config.AddBranch("secrets", secrets =>
            {
                secrets.SetDescription("Ansible Vault secrets: encrypt files or single values.");
                secrets.AddCommand<SecretsEncryptCommand>("encrypt")
                    .WithDescription("Encrypt a file in place, or a single value (from stdin) as an inline !vault YAML value.")
                    .WithExample("secrets", "encrypt", "site/group_vars/all/vault.yml")
                    .WithExample("secrets", "encrypt", "--name", "vault_redis_password");
            });
            config.AddBranch("repo", repo =>
            {
                repo.SetDescription("The offline package repository for hosts with no route out (air-gapped estates, the lab).");
                repo.AddCommand<RepoBuildCommand>("build")
                    .WithDescription("Fetch the Debian packages a site needs, with all dependencies for a bare Debian 12 host, and index them; hold artifacts.")
                    .WithExample("repo", "build", "site", "--out", "repo");
                repo.AddCommand<RepoServeCommand>("serve")
                    .WithDescription("Serve a repository over HTTP on one address until Ctrl-C.")
                    .WithExample("repo", "serve", "repo", "--listen", "10.77.0.1:8080", "--site", "site");
            });
            config.AddBranch("artifacts", artifacts =>
            {
                artifacts.SetDescription("The site's artifact store (SITE/artifacts): the upstream release files its hosts install, each checked against upstream's checksum file and pinned.");
                artifacts.AddCommand<ArtifactsListCommand>("list")
                    .WithDescription("Each release the site needs: artifact, version, file, size, state (missing, stored, verified).")
                    .WithExample("artifacts", "list", "site");
                artifacts.AddCommand<ArtifactsFetchCommand>("fetch")
                    .WithDescription("Download each release and its upstream checksum file; store and pin it only when they match.")
                    .WithExample("artifacts", "fetch", "site")
                    .WithExample("artifacts", "fetch", "site", "--release", "trino=470");
                artifacts.AddCommand<ArtifactsImportCommand>("import")
                    .WithDescription("Store releases downloaded elsewhere (air-gapped), each checked against the checksum file beside it.")
                    .WithExample("artifacts", "import", "site", "--from", "/media/usb/artifacts");
                artifacts.AddCommand<ArtifactsVerifyCommand>("verify")
                    .WithDescription("Hash every stored file again against its pin; exit 1 when one changed or is missing.")
                    .WithExample("artifacts", "verify", "site");
            });
            config.AddBranch("lab", lab =>
            {
                lab.SetDescription("Real Debian hosts on this machine (systemd-nspawn on a bridge with no route out), for trying a deployment.");
                lab.AddCommand<LabUpCommand>("up").WithDescription("Build the base image once, boot the hosts, check SSH, write a site for them. On a lab that exists: boot only the hosts that are down, keep everything else (--recreate builds it again).")
                    .WithExample("lab", "up", "--hosts", "3");
                lab.AddCommand<LabStatusCommand>("status").WithDescription("Each host's address, PID, and whether it runs and answers SSH.");
                lab.AddCommand<LabSshCommand>("ssh").WithDescription("ssh into a lab host with the lab's key and known_hosts.")
                    .WithExample("lab", "ssh", "lab01");
                lab.AddCommand<LabAddHostCommand>("add-host").WithDescription("Boot one more host (the next name and address) into the running lab without touching the others.");
                lab.AddCommand<LabRemoveHostCommand>("remove-host").WithDescription("Stop one host by its own PIDs and remove its overlay; the others keep running (take it out of the site first).")
                    .WithExample("lab", "remove-host", "lab04");
                lab.AddCommand<LabDrLinkCommand>("dr-link").WithDescription("Pair two running labs as a DR primary and standby site: a route between their two bridges only, the primary's site admits the standby's subnet, the standby's site streams from the primary's VIP with its PostgreSQL passwords.")
                    .WithExample("lab", "dr-link", "--name", "dr-b", "--bridge", "dl-drb0", "--subnet", "10.77.91", "--primary", "dr-a");
                lab.AddCommand<LabDownCommand>("down").WithDescription("Stop the hosts, remove overlays, bridge and state (the cached image stays).");
            });
            config.AddCommand<BackupCommand>("backup")
                .WithDescription("pgBackRest on the Patroni leader: full, info, expire, restore-test --target TIME into a scratch folder, or restore --target TIME (the cluster itself, behind a confirmation).")
                .WithExample("backup", "site", "restore-test", "--target", "2026-11-26 01:02:03+00");
            config.AddCommand<SnapshotCommand>("snapshot")
                .WithDescription("Config backup: read every managed file (mode, owner, content) and live setting (Patroni DCS, Sentinel state, Kafka dynamic configs) from the hosts, secrets masked, and commit it to a git repository when anything changed. Read-only on hosts; `plan --since-snapshot` compares the hosts with it; --install-timer takes one on a schedule.")
                .WithExample("snapshot", "site")
                .WithExample("snapshot", "site", "--message", "pre-upgrade", "--output", "json")
                .WithExample("snapshot", "site", "--install-timer", "--on-calendar", "daily", "--vault-password-file", "/root/.vault-pass");
            config.AddBranch("daemon", daemon =>
            {
                daemon.SetDescription($"The per-user daemon that runs verify and plan warm, over SSH sessions it keeps open between runs (like ControlPersist). Started on demand, exits after 60 s idle; {Daemon.DaemonEndpoint.SwitchVariable}=off runs without it.");
                daemon.AddCommand<Daemon.DaemonStatusCommand>("status").WithDescription("Each running daemon: PID, uptime, runs served, SSH sessions kept.");
                daemon.AddCommand<Daemon.DaemonStopCommand>("stop").WithDescription("Stop this user's daemons (kept SSH sessions close; the next verify or plan starts one again).");
                daemon.AddCommand<Daemon.DaemonServeCommand>("serve").IsHidden();
            });
            config.AddCommand<ProfilesCommand>("profiles")
                .WithDescription("List the built-in profiles.");
            config.AddCommand<Shipping.CompletionCommand>("completion")
                .WithDescription("Print the bash or zsh completion script (the .deb installs both).")
                .WithExample("completion", "bash");
            config.AddCommand<Shipping.ManCommand>("man")
                .WithDescription("Print the datalyptica(1) manual page in roff (`datalyptica man | man -l -`).");
            config.AddCommand<VersionCommand>("version")
                .WithDescription("The version, the git commit it was built from, the architecture and the .NET runtime (also --version).");
            config.SetHelpProvider(new DatalypticaHelpProvider(config.Settings));
        });
        return app;
    }
}

/// <summary>Spectre's help, plus the exit-code table under the root help (one source: <see cref="ExitCodes.Table"/>).</summary>
internal sealed class DatalypticaHelpProvider(ICommandAppSettings settings) : HelpProvider(settings)
{
    public override IEnumerable<IRenderable> GetFooter(ICommandModel model, ICommandInfo? command)
    {
        if (command is not null) yield break;
        yield return new Markup(Environment.NewLine + "[yellow]EXIT CODES:[/]" + Environment.NewLine);
        var grid = new Grid().AddColumn(new GridColumn().PadLeft(4).PadRight(2).RightAligned()).AddColumn(new GridColumn().PadRight(2)).AddColumn();
        foreach (var e in ExitCodes.Table) grid.AddRow(new Text(e.Code.ToString()), new Text(e.Name), new Text(e.Meaning));
        yield return grid;
    }
}

/// <summary>A minimal type registrar: commands get <see cref="CliIo"/> by constructor injection.</summary>
internal sealed class SimpleRegistrar : ITypeRegistrar, ITypeResolver
{
    private readonly Dictionary<Type, List<Func<object>>> _factories = [];

    /// <summary>The command tree, as Spectre registers it before parsing (usage errors name the verb's real options).</summary>
    public ICommandModel? Model { get; private set; }

    public void Register(Type service, Type implementation) => Add(service, () => Create(implementation));
    public void RegisterInstance(Type service, object implementation)
    {
        if (implementation is ICommandModel model) Model = model;
        Add(service, () => implementation);
    }
    public void RegisterLazy(Type service, Func<object> factory) => Add(service, factory);
    public ITypeResolver Build() => this;

    private void Add(Type service, Func<object> factory)
    {
        if (!_factories.TryGetValue(service, out var list)) _factories[service] = list = [];
        list.Add(factory);
    }

    public object? Resolve(Type? type)
    {
        if (type is null) return null;
        if (_factories.TryGetValue(type, out var list)) return list[^1]();
        // Spectre asks for IEnumerable<T> of its extension points (help providers, interceptors).
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>))
        {
            var element = type.GetGenericArguments()[0];
            var items = _factories.GetValueOrDefault(element) ?? [];
            var array = Array.CreateInstance(element, items.Count);
            for (var i = 0; i < items.Count; i++) array.SetValue(items[i](), i);
            return array;
        }
        return type.IsAbstract || type.IsInterface ? null : Create(type);
    }

    private object Create(Type type)
    {
        var ctor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        return ctor.Invoke(ctor.GetParameters().Select(p => Resolve(p.ParameterType)).ToArray());
    }
}
