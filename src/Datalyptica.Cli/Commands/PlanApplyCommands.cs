using System.ComponentModel;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using ApplyRepository = Datalyptica.Engine.Repository.ApplyRepository;
using RepositoryServer = Datalyptica.Engine.Repository.RepositoryServer;
using RepositoryBuildException = Datalyptica.Engine.Repository.RepositoryBuildException;
using Datalyptica.Engine.Transport;
using Datalyptica.Model;
using Spectre.Console;
using Spectre.Console.Cli;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Snapshots;
using Datalyptica.Sites;

namespace Datalyptica.Cli.Commands;

/// <summary>How a command reaches hosts over SSH: the known_hosts file and the default key (plan, apply, verify, backup).</summary>
public abstract class SshSiteSettings : SiteSettings
{
    [CommandOption("--known-hosts <FILE>")]
    [Description("OpenSSH known_hosts file host keys are checked against (default: SITE/known_hosts if present, else ~/.ssh/known_hosts).")]
    public string? KnownHosts { get; init; }

    [CommandOption("--private-key <FILE>")]
    [Description("SSH key for hosts without ansible_ssh_private_key_file (default: ~/.ssh/id_ed25519, then ~/.ssh/id_rsa).")]
    public string? PrivateKey { get; init; }

    /// <summary>SSH for a site: known_hosts from the option, else SITE/known_hosts, else ~/.ssh/known_hosts; the default key.</summary>
    public IHostTransportFactory SshFactory(bool acceptNewHostKeys, ConnectionKeeper? keeper)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var siteKnownHosts = Path.Combine(SiteDirectory, "known_hosts");
        var knownHosts = KnownHosts ?? (File.Exists(siteKnownHosts) ? siteKnownHosts : Path.Combine(home, ".ssh", "known_hosts"));
        var key = PrivateKey ?? new[] { "id_ed25519", "id_rsa" }.Select(k => Path.Combine(home, ".ssh", k)).FirstOrDefault(File.Exists);
        return new SshTransportFactory(new SshTransportOptions { KnownHostsFile = knownHosts, AcceptNewHostKeys = acceptNewHostKeys }, key, keeper,
            SshClientConfig.ForUser());
    }
}

/// <summary>Verbs that connect and may record a new host's key on first contact (plan, apply, backup; verify records none).</summary>
public abstract class ConnectingSiteSettings : SshSiteSettings
{
    [CommandOption("--accept-new-host-keys")]
    [Description("Trust hosts not yet in known_hosts and record their keys (a changed key is always refused).")]
    public bool AcceptNewHostKeys { get; init; }

    /// <summary>The SSH factory these options describe.</summary>
    public IHostTransportFactory SshFactory(ConnectionKeeper? keeper) => SshFactory(AcceptNewHostKeys, keeper);
}

/// <summary>What plan and apply share: how many hosts at once, and which hosts.</summary>
public abstract class PlanningSettings : ConnectingSiteSettings
{
    [CommandArgument(0, "[SITE]")]
    [Description(OptionalSiteDescription)]
    public override string Site { get; init; } = ".";

    [CommandOption("--parallel <N>")]
    [Description("Hosts worked on at once.")]
    [DefaultValue(32)]
    public int Parallel { get; init; } = 32;

    [CommandOption("--limit <PATTERN>")]
    [Description(HostLimit.PlanDescription)]
    public string? Limit { get; init; }

    public override ValidationResult Validate() =>
        Parallel < 1 ? ValidationResult.Error("--parallel must be at least 1") : base.Validate();
}

public sealed class PlanSettings : PlanningSettings
{
    [CommandOption("--out <FILE>")]
    [Description("Also save the plan (versioned JSON, no secret values, sealed with an HMAC keyed from the vault password) for a later `apply --plan FILE`.")]
    public string? Out { get; init; }

    [CommandOption("--assume-empty")]
    [Description("Plan against empty Debian 12 hosts without connecting (review what a first apply does).")]
    public bool AssumeEmpty { get; init; }

    [CommandOption("--since-snapshot [DIR]")]
    [Description("Also compare the hosts with the last `datalyptica snapshot`: each managed file and live setting that changed since, with its diff (secrets masked). DIR: the snapshot repository, default SITE/.datalyptica/snapshots.")]
    public FlagValue<string>? SinceSnapshot { get; init; }

    public override ValidationResult Validate() =>
        AssumeEmpty && SinceSnapshot is { IsSet: true } ? ValidationResult.Error("--since-snapshot reads the hosts; it cannot go with --assume-empty") : base.Validate();
}

public sealed class ApplySettings : PlanningSettings
{
    [CommandOption("--plan <FILE>")]
    [Description("Apply this saved plan instead of planning now; refused unless `plan --out` of this site, with this vault password, sealed it unedited.")]
    public string? Plan { get; init; }

    [CommandOption("--layer <LAYER>")]
    [Description("Only this layer: prerequisites, coordination, catalog, streaming, processing, query, analytics, monitoring, iam, loadbalancer.")]
    public string? Layer { get; init; }

    [CommandOption("--auto-approve")]
    [Description("Apply without asking (scripts, CI). Without it apply shows the plan and asks before it changes anything, and is refused when stdin is not a terminal. A saved plan (--plan FILE) was reviewed already and is never asked about.")]
    public bool AutoApprove { get; init; }

    [CommandOption("--repository <DIR>")]
    [Description("Offline repository folder (repo build --out DIR) served on the site's apt_repository_listen while apply runs; default: the site's apt_repository_dir.")]
    public string? Repository { get; init; }
}

/// <summary>Shared by plan and apply: open the site (the library's one door), prepare it, plan, show.</summary>
internal static class PlanFlow
{
    /// <summary>
    /// Opens the site (refused with its errors printed when it has any), then issues certificates, renders and builds the
    /// desired state. <paramref name="siteValid"/> gets the site once it is valid, before rendering (to start connecting).
    /// </summary>
    public static PreparedSite? Prepare(CliIo io, SiteSettings settings, Action<Site>? siteValid = null) =>
        Cli.OpenSite(io, settings, "planning", siteValid) is { } session ? PreparedSite.Prepare(session, io.Error.WriteLine) : null;

    /// <param name="hosts">Only these hosts are planned (and connected to); null: every host.</param>
    public static async Task<Plan?> PlanAsync(CliIo io, PreparedSite p, int parallel, bool assumeEmpty, IReadOnlySet<string>? hosts,
        Func<string, IHostTransport>? transports, CancellationToken cancellation)
    {
        var options = p.Options(parallel);
        var desired = p.DesiredOn(hosts);
        if (assumeEmpty) return Planner.Build(p.Site.Name, desired, _ => HostFacts.EmptyDebian12, options);
        if (transports is null)
        {
            io.Error.WriteLine("error: no host transport is available in this build. Fix: use --assume-empty to plan without connecting, or a build with the SSH transport.");
            return null;
        }
        return await Planner.PlanAsync(p.Site.Name, desired, transports, options, p.Masker(), cancellation);
    }

    /// <summary>
    /// One transport per host, opened once (Lazy: a connect started early and the planner's later call share it, and a
    /// failed connect reports the same error to whoever asks). <paramref name="connectNow"/> starts every host's SSH
    /// handshake in the background at once, so it overlaps rendering and building the desired state (it starts only once
    /// the site is valid: a refused site touches no host).
    /// </summary>
    public static Func<string, IHostTransport>? Transports(IHostTransportFactory? factory, Site site, IReadOnlySet<string>? only, bool connectNow = false)
    {
        if (factory is null) return null;
        var hosts = site.Hosts.Where(h => only is null || only.Contains(h.Name)).ToDictionary(h => h.Name);
        var open = hosts.Keys.ToDictionary(n => n, n => new Lazy<IHostTransport>(() => factory.Connect(HostConnections.For(hosts[n]))));
        if (connectNow)
        {
            // Each connect blocks a pool thread for its handshake; the pool starts with one thread per core and adds
            // more only every ~0.5 s, so on 2 cores the third host waited. One thread per host (bounded) from the start.
            ThreadPool.GetMinThreads(out var workers, out var io);
            ThreadPool.SetMinThreads(Math.Max(workers, Math.Min(open.Count + Environment.ProcessorCount, 64)), io);
            foreach (var lazy in open.Values) _ = Task.Run(() => lazy.Value); // errors surface when the planner asks
        }
        return name => open[name].Value;
    }

    /// <summary>Hosts this site applied to that its inventory no longer has (AppliedHosts): on stderr, in every output format.</summary>
    public static void WarnAboutHostsLeftOut(CliIo io, string siteDirectory, Site site)
    {
        foreach (var warning in AppliedHosts.Warnings(siteDirectory, site)) io.Error.WriteLine($"warning: {warning}");
    }

    public static void Show(CliIo io, Plan plan, OutputFormat output)
    {
        if (output == OutputFormat.Json) io.Out.Profile.Out.Writer.WriteLine(PlanJson.Write(plan));
        // Plain text straight to the writer: Spectre's Text wraps segment by segment, which took 15 s for a 240-change plan.
        else io.Out.Profile.Out.Writer.Write(PlanHumanView.Render(plan, color: io.Out.Profile.Capabilities.Ansi));
    }
}

/// <summary>`datalyptica plan [SITE]`: what apply would change on each host, with diffs; changes nothing. Exit 2 when changes are pending.</summary>
public sealed class PlanCommand(CliIo io, IHostTransportFactory? transports = null) : AsyncCommand<PlanSettings>
{
    public const int ChangesPending = ExitCodes.ChangesPending;

    public override async Task<int> ExecuteAsync(CommandContext context, PlanSettings settings, CancellationToken cancellation)
    {
        Func<string, IHostTransport>? connect = null;
        IReadOnlySet<string>? only = null;
        // The limit is resolved once the site is valid and before any host is contacted: a limit that matches nothing
        // is a usage error, and the hosts it leaves out are never connected to.
        var prepared = PlanFlow.Prepare(io, settings, site =>
        {
            only = HostLimit.Resolve(settings.Limit, site);
            connect = settings.AssumeEmpty ? null : PlanFlow.Transports(transports ?? settings.SshFactory(io.Keeper), site, only, connectNow: true);
        });
        if (prepared is null) return ExitCodes.InvalidSite;
        if (only is not null) HostLimit.Show(io, settings.Output, settings.Limit!, prepared.Site, only);
        var plan = await PlanFlow.PlanAsync(io, prepared, settings.Parallel, settings.AssumeEmpty, only, connect, cancellation);
        if (plan is null) return ExitCodes.Failed;
        if (settings.Out is not null)
        {
            // Sealed, so `apply --plan` can tell it from an edited one (PlanSeal); the key comes from the vault password.
            if (prepared.PlanSealKey() is not { } key)
            {
                io.Error.WriteLine("error: --out saves a plan sealed with a key from the site's vault password, and no vault password was given. " +
                                   "Fix: pass --vault-password-file FILE (or set DATALYPTICA_VAULT_PASSWORD), then plan again.");
                return ExitCodes.InvalidSite;
            }
            await File.WriteAllTextAsync(settings.Out, PlanJson.Write(PlanSeal.Seal(plan, key)), cancellation);
        }
        if (settings.SinceSnapshot is { IsSet: true } since)
        {
            var repository = new SnapshotRepository(since.Value ?? SnapshotRepository.DefaultFor(settings.SiteDirectory));
            var drift = await SinceSnapshot.CompareAsync(io, prepared, repository, only, connect!, settings.Parallel, cancellation);
            if (drift is null) return ExitCodes.Failed;
            SinceSnapshot.Show(io, plan, drift, settings.Output);
        }
        else PlanFlow.Show(io, plan, settings.Output);
        PlanFlow.WarnAboutHostsLeftOut(io, settings.SiteDirectory, prepared.Site);
        // A plan of every host against its facts is what `report` shows as pending.
        if (!settings.AssumeEmpty && only is null)
            Reports.LastResults.Save(settings.SiteDirectory, Reports.LastResults.Plan, new { formatVersion = Cli.JsonFormatVersion, site = plan.Site, summary = PlanSummary.Of(plan) }, Cli.Json);
        return plan.PendingCount > 0 ? ExitCodes.ChangesPending : ExitCodes.Ok;
    }
}

/// <summary>`datalyptica apply [SITE]`: plan (or read --plan FILE), then apply it layer by layer; journal under SITE/.datalyptica/journal.</summary>
public sealed class ApplyCommand(CliIo io, IHostTransportFactory? transports = null) : AsyncCommand<ApplySettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, ApplySettings settings, CancellationToken cancellation) =>
        ApplyAsync(settings, cancellation);

    /// <summary>The apply verb itself, also run by `hosts remove` for the hosts that stay.</summary>
    public async Task<int> ApplyAsync(ApplySettings settings, CancellationToken cancellation)
    {
        // Without a saved plan every host (of the limit) is planned, so its connection can start while the site is prepared.
        Func<string, IHostTransport>? connect = null;
        IReadOnlySet<string>? only = null;
        var prepared = PlanFlow.Prepare(io, settings, site =>
        {
            only = HostLimit.Resolve(settings.Limit, site);
            connect = PlanFlow.Transports(transports ?? settings.SshFactory(io.Keeper), site, only, connectNow: settings.Plan is null);
        });
        if (prepared is null) return ExitCodes.InvalidSite;
        if (only is not null) HostLimit.Show(io, settings.Output, settings.Limit!, prepared.Site, only);
        // Overlaps the journal's JSON set-up with the handshakes and fact gathering below (no host is waiting on it).
        var warmUp = Task.Run(ApplyJournal.WarmUp, cancellation);
        if (connect is null)
        {
            io.Error.WriteLine("error: no host transport is available in this build. Fix: use a build with the SSH transport.");
            return ExitCodes.Failed;
        }
        Plan? plan;
        try
        {
            plan = settings.Plan is not null
                ? await ReadSealedPlanAsync(settings.Plan, prepared, cancellation)
                : await PlanFlow.PlanAsync(io, prepared, settings.Parallel, assumeEmpty: false, only, connect, cancellation);
        }
        catch (Exception ex) when (ex is TransportException or FactGatheringException)
        {
            // A host that cannot be reached or read fails the apply, as a failed step does (Terraform: an error while
            // applying is an apply error, exit 4), though apply stopped before changing anything.
            var host = ex is TransportException t ? t.HostName : ((FactGatheringException)ex).Host;
            io.Error.WriteLine($"error: {ex.Message}");
            io.Error.WriteLine("error: apply failed: a host could not be reached or read while planning, so no host was changed. " +
                               $"Fix: bring {host} back (`datalyptica plan` shows which hosts answer), or leave it out with --limit 'all:!{host}'.");
            return ExitCodes.ApplyFailed;
        }
        if (plan is null) return ExitCodes.Failed;
        Engine.EngineTrace.Mark("plan ready");
        var onlyLayer = settings.Layer is null ? (Layer?)null : Layers.Parse(settings.Layer);
        // What this run would change: the limit's hosts, the chosen layer. Shown and asked about as Terraform does; a
        // saved plan was shown by `plan --out` and sealed, so it applies as it is.
        var pending = plan.Hosts.Where(h => only is null || only.Contains(h.Host))
            .SelectMany(h => h.Pending).Where(c => onlyLayer is null || c.Layer == onlyLayer).ToList();
        var toApply = pending.Count;
        if (settings.Plan is null)
        {
            if (settings.Output == OutputFormat.Human) PlanFlow.Show(io, onlyLayer is { } l ? plan.OnlyLayer(l) : plan, settings.Output);
            PlanFlow.WarnAboutHostsLeftOut(io, settings.SiteDirectory, prepared.Site);
            if (toApply > 0 && await RollingRun.ConfirmAsync(io, settings.AutoApprove, settings.Output,
                    $"Apply these {toApply} change(s) to {prepared.Site.Name}?", "apply", cancellation,
                    "review the plan (`datalyptica plan`), then pass --auto-approve; or save it with `plan --out FILE` and run `apply --plan FILE`.") is { } declined)
                return declined;
        }
        await warmUp;

        var siteDir = settings.SiteDirectory;
        var progress = new ApplyProgressView();
        progress.Begin(Layers.InOrder.Where(l => pending.Any(c => c.Layer == l)));
        var options = new ApplyOptions
        {
            JournalDirectory = Path.Combine(siteDir, ".datalyptica", "journal"),
            Artifacts = new ArtifactStore(Path.Combine(siteDir, ".datalyptica", "artifacts")),
            ResolveSecret = n => prepared.Secrets.GetValueOrDefault(n),
            Masker = prepared.Masker(),
            OnlyLayer = onlyLayer,
            Limit = only,
            Parallelism = settings.Parallel,
            AllowStandIns = prepared.Site.IsLab,
            Progress = progress,
        };
        // Hosts with no route out install from the repository this control node serves, only while apply runs, and
        // only when this apply has something to do: with no pending change no step runs, so nothing can fetch from it.
        RepositoryServer? repository;
        try { repository = toApply > 0 ? ApplyRepository.StartFor(prepared.Site, settings.Repository, prepared.RepositorySigningKey) : null; }
        catch (Exception ex) when (ex is RepositoryBuildException or ArgumentException or InvalidOperationException or DirectoryNotFoundException)
        {
            io.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
        Engine.EngineTrace.Mark(repository is null ? "no repository served" : "repository server started");
        ApplyResult result;
        await using (repository)
        {
            if (repository is not null && settings.Output == OutputFormat.Human)
                io.Out.MarkupLine($"serving the offline repository on {Markup.Escape(repository.BaseUrl)} while apply runs");
            // Progress goes where people look: a live panel on a terminal, timestamped lines in a log; stderr in JSON mode.
            var human = settings.Output == OutputFormat.Human;
            result = await progress.RunAsync(human && ApplyProgressView.CanDrawOn(io.Out), io.Out, human ? io.Out.Profile.Out.Writer : io.Error,
                () => PlanApplier.ApplyAsync(plan, connect, options, cancellation));
        }
        Engine.EngineTrace.Mark("apply done");
        // A host apply may have changed is one a later plan must notice if the inventory drops it.
        if (result.Status != ApplyStatus.Refused)
            AppliedHosts.Add(siteDir, pending.Select(c => c.Host).Distinct(StringComparer.Ordinal));
        foreach (var failure in result.Failures) io.Error.WriteLine($"error: {failure}");
        if (result.Status != ApplyStatus.Completed) io.Error.WriteLine($"error: apply {result.Status.ToString().ToLowerInvariant()}: {result.Message} (journal: {result.JournalPath})");
        var document = new { formatVersion = Cli.JsonFormatVersion, run = result.RunId, status = result.Status, applied = result.Applied, journal = result.JournalPath };
        Reports.LastResults.Save(siteDir, Reports.LastResults.Apply, document, Cli.Json);
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, document);
        else if (result.Status == ApplyStatus.Completed)
            io.Out.MarkupLine($"applied {result.Applied} change(s) (journal: {Markup.Escape(result.JournalPath)})");
        return result.Status == ApplyStatus.Completed ? ExitCodes.Ok : ExitCodes.ApplyFailed;
    }
    private async Task<Plan?> ReadSealedPlanAsync(string file, PreparedSite prepared, CancellationToken cancellation)
    {
        Plan plan;
        try { plan = PlanJson.Read(await File.ReadAllTextAsync(file, cancellation)); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or System.Text.Json.JsonException)
        {
            io.Error.WriteLine($"error: cannot read the plan {file}: {ex.Message}");
            return null;
        }
        if (prepared.PlanSealKey() is not { } key)
        {
            io.Error.WriteLine($"error: the plan {file} is sealed with a key from the site's vault password, and no vault password was given. " +
                               "Fix: pass --vault-password-file FILE (or set DATALYPTICA_VAULT_PASSWORD).");
            return null;
        }
        if (PlanSeal.Check(plan, key, prepared.Site.Name, prepared.Desired, file) is { } refusal)
        {
            io.Error.WriteLine($"error: {refusal}");
            return null;
        }
        return plan;
    }
}
