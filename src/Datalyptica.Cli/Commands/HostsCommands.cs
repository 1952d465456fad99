using System.ComponentModel;
using System.Net;
using Datalyptica.Components;
using Datalyptica.Departures;
using Datalyptica.Drills;
using Datalyptica.Engine.Apply;
using Datalyptica.Inventory;
using Datalyptica.Model;
using Datalyptica.Sites;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

/// <summary>What the verbs that change the site's hosts share: --yes, the health wait, and the apply they run afterwards.</summary>
public abstract class HostChangeSettings : ConnectingSiteSettings
{
    [CommandArgument(0, "<SITE>")]
    [Description(SiteDescription)]
    public override string Site { get; init; } = "";

    [CommandOption("--yes|-y")]
    [Description("Go ahead without asking (needed when stdin is not a terminal).")]
    public bool Yes { get; init; }

    [CommandOption("--wait <SECONDS>")]
    [Description("How long a cluster may take to be healthy again after each step before the run stops there.")]
    [DefaultValue(300.0)]
    public double Wait { get; init; } = 300;

    [CommandOption("--parallel <N>")]
    [Description("Hosts the apply works on at once.")]
    [DefaultValue(32)]
    public int Parallel { get; init; } = 32;

    public override ValidationResult Validate() =>
        Wait is <= 0 or > 3600 ? ValidationResult.Error("--wait must be between 1 and 3600 seconds.")
        : Parallel < 1 ? ValidationResult.Error("--parallel must be at least 1") : base.Validate();

    /// <summary>The apply these settings run after the inventory changed: the whole site, every host.</summary>
    public ApplySettings ApplySettings() => new()
    {
        Site = Site, VaultPasswordFile = VaultPasswordFile, AskVaultPass = AskVaultPass, KnownHosts = KnownHosts,
        PrivateKey = PrivateKey, AcceptNewHostKeys = AcceptNewHostKeys, Parallel = Parallel,
        // The question was asked (or --yes given) for the host change, which names the apply it runs.
        AutoApprove = true,
    };
}

public sealed class HostsAddSettings : HostChangeSettings
{
    [CommandArgument(1, "[ADDRESS]")]
    [Description("IPv4 address of each new host.")]
    public string[] Addresses { get; init; } = [];

    [CommandOption("--from <FILE>")]
    [Description("Also take the addresses from this file (one IPv4 address per line, # comments), as `inventory generate` reads them.")]
    public string? From { get; init; }

    [CommandOption("--group <GROUP>")]
    [Description("A role group the new hosts join (repeat it for several). Default: every group of --like's host.")]
    public string[] Groups { get; init; } = [];

    [CommandOption("--like <HOST>")]
    [Description("Copy this host's variables (host_vars/HOST.yml: size, disks, rack, SSH settings) and tier; new names continue its numbering (lab03 -> lab04).")]
    public string? Like { get; init; }

    [CommandOption("--name <NAME>")]
    [Description("The new host's name (one address only). Default: the next name after --like's.")]
    public string? Name { get; init; }

    [CommandOption("--no-apply")]
    [Description("Only change the inventory; apply later with `datalyptica apply SITE`.")]
    public bool NoApply { get; init; }

    public override ValidationResult Validate()
    {
        if (Addresses.Length == 0 && From is null) return ValidationResult.Error("give the new hosts' addresses (ADDRESS ... or --from FILE).");
        if (Name is not null && Addresses.Length + (From is null ? 0 : 1) != 1)
            return ValidationResult.Error("--name names one host: give exactly one ADDRESS with it (several hosts are named after --like).");
        if (Like is null && Name is null) return ValidationResult.Error("give --like HOST (its variables, tier and naming) or --name NAME with --group and a tier group.");
        return base.Validate();
    }
}

public sealed class HostsRemoveSettings : HostChangeSettings
{
    [CommandArgument(1, "<HOST>")]
    [Description("The host that leaves.")]
    public string Host { get; init; } = "";

    [CommandOption("--group <GROUP>")]
    [Description("Leave only this group (repeat it for several); the host stays in the others. Default: every group (the host leaves the site).")]
    public string[] Groups { get; init; } = [];

    [CommandOption("--host-gone")]
    [Description("The host is lost (powered off, unreachable): nothing runs on it; the clusters forget it and the hosts that stay are applied without it.")]
    public bool HostGone { get; init; }
}

/// <summary>
/// `datalyptica hosts add SITE ADDRESS... --like HOST [--group G]`: new hosts into the inventory (hosts.yml and
/// host_vars), checked as a whole site before anything is written, then one apply: the new hosts get everything, the
/// hosts that stay get only what changes with them (member lists, firewall sets, scrape targets, HAProxy backends).
/// </summary>
public sealed class HostsAddCommand(CliIo io, Engine.Apply.IHostTransportFactory? transports = null) : AsyncCommand<HostsAddSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, HostsAddSettings settings, CancellationToken cancellation)
    {
        if (Cli.OpenSite(io, settings, "adding hosts", needsSecrets: false) is not { } session) return ExitCodes.InvalidSite;
        var addresses = ReadAddresses(settings);
        if (addresses is null) return ExitCodes.Usage;
        return await HostChanges.AddAsync(io, transports, settings, session, addresses, settings.Groups, settings.Like, settings.Name, settings.NoApply, cancellation);
    }

    private IReadOnlyList<IPAddress>? ReadAddresses(HostsAddSettings settings)
    {
        var lines = settings.Addresses.ToList();
        var listed = IpListFile.Parse(lines, "ADDRESS");
        var fromFile = settings.From is null ? new IpListFile.Result([], []) : IpListFile.Read(settings.From);
        var problems = listed.Diagnostics.Concat(fromFile.Diagnostics).ToList();
        if (problems.Count > 0)
        {
            Cli.PrintDiagnostics(io, problems);
            return null;
        }
        return listed.Addresses.Concat(fromFile.Addresses).Distinct().ToList();
    }
}

/// <summary>
/// `datalyptica hosts remove SITE HOST [--group G]`: the host leaves its groups (or the site) with the clusters serving:
/// hand-over when it leads, drains, its units stopped and disabled, the remaining members forget it, the inventory
/// changed, the site applied to the hosts that stay, every cluster it left healthy again. Shows the plan and asks first.
/// </summary>
public sealed class HostsRemoveCommand(CliIo io, Engine.Apply.IHostTransportFactory? transports = null) : AsyncCommand<HostsRemoveSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, HostsRemoveSettings settings, CancellationToken cancellation)
    {
        if (Cli.OpenSite(io, settings, "removing a host") is not { } session) return ExitCodes.InvalidSite;
        if (session.Site.Hosts.All(h => h.Name != settings.Host))
        {
            io.Error.WriteLine($"error: the site {session.Directory} has no host '{settings.Host}' (hosts: {string.Join(", ", session.Site.Hosts.Select(h => h.Name))}).");
            return ExitCodes.Usage;
        }
        return await HostChanges.RemoveAsync(io, transports, settings, session, settings.Host, settings.Groups.Length == 0 ? null : settings.Groups, cancellation);
    }
}

/// <summary>The steps `hosts add|remove` and `scale` share.</summary>
internal static class HostChanges
{
    /// <summary>
    /// The new hosts: names from --name or continuing --like's numbering past every name the site has, groups from --group
    /// (plus --like's tier group when none is given) or all of --like's groups, variables copied from --like.
    /// </summary>
    public static List<NewHost> NewHosts(SiteSession session, IReadOnlyList<IPAddress> addresses, IReadOnlyList<string> groups, string? like, string? name)
    {
        var site = session.Site;
        Host? template = null;
        if (like is not null)
            template = site.Hosts.FirstOrDefault(h => h.Name == like)
                ?? throw new InventoryEditException($"--like '{like}': the site has no such host (hosts: {string.Join(", ", site.Hosts.Select(h => h.Name))}).");
        foreach (var group in groups)
            if (!ComponentCatalog.RoleGroups.Contains(group, StringComparer.Ordinal) && Tiers.FromGroupName(group) is null)
            {
                var near = Validation.DidYouMean.Suggest(group, ComponentCatalog.RoleGroups.Concat(Tiers.All.Select(t => t.GroupName())).ToList());
                throw new InventoryEditException($"--group '{group}' is neither a role group nor a tier group{(near is null ? "" : $"; did you mean {near}?")}");
            }
        foreach (var address in addresses)
            if (site.Hosts.FirstOrDefault(h => h.Address.Equals(address)) is { } taken)
                throw new InventoryEditException($"{address} is already {taken.Name}'s address.");
        var joined = groups.Count == 0
            ? template is null ? throw new InventoryEditException("give --group GROUP (or --like HOST to copy its groups).") : template.RoleGroups.Where(g => !ImpliedRoles.IsImplied(g)).Append(template.Tier.GroupName()).ToList()
            : groups.Any(g => Tiers.FromGroupName(g) is not null) || template is null ? groups.ToList() : [.. groups, template.Tier.GroupName()];
        var vars = template is null ? new Dictionary<string, InventoryValue>() : InventoryEdit.HostVarsOf(session.Directory, template.Name);
        var names = name is not null ? [name] : NextNames(site, template!.Name, addresses.Count);
        return addresses.Select((a, i) => new NewHost(names[i], a, joined.Distinct(StringComparer.Ordinal).ToList(), vars)).ToList();
    }

    /// <summary>
    /// New hosts into the inventory: each edit written and the whole site checked, then every edit undone; shown, asked,
    /// written again; then one apply of the whole site unless <paramref name="noApply"/>.
    /// </summary>
    public static async Task<int> AddAsync(CliIo io, Engine.Apply.IHostTransportFactory? transports, HostChangeSettings settings, SiteSession session,
        IReadOnlyList<IPAddress> addresses, IReadOnlyList<string> groups, string? like, string? name, bool noApply, CancellationToken cancellation)
    {
        List<NewHost> hosts;
        try { hosts = NewHosts(session, addresses, groups, like, name); }
        catch (InventoryEditException e)
        {
            io.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Usage;
        }
        var edits = new List<InventoryEdit>();
        try
        {
            foreach (var host in hosts)
            {
                var edit = InventoryEdit.AddHost(session.Directory, host);
                edit.Write();
                edits.Add(edit);
            }
        }
        catch (InventoryEditException e)
        {
            UndoAll(edits);
            io.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        // The site with the new hosts must be valid as a whole (quorums, addresses, ports); it is written again once confirmed.
        var opening = SiteSession.Open(new SiteOpenOptions(settings.Site) { NeedsSecrets = false });
        UndoAll(edits);
        var diff = string.Concat(edits.Select(e => e.Diff()));
        if (opening.Refused)
        {
            Cli.PrintDiagnostics(io, opening.Errors);
            io.Error.WriteLine("error: the site with the new host(s) has errors, so the inventory was left as it was.");
            return ExitCodes.InvalidSite;
        }
        RollingRun.Show(io, settings.Output, $"hosts add: {string.Join(", ", hosts.Select(h => $"{h.Name} ({h.Address}: {string.Join(", ", h.Groups)})"))}\n{diff}" +
            (noApply ? "" : "then apply the site: the new hosts get everything, the others only what changes with them"));
        if (await RollingRun.ConfirmAsync(io, settings.Yes, settings.Output, $"Add {hosts.Count} host(s){(noApply ? "" : " and apply")}?", "hosts add", cancellation) is { } declined)
            return declined;
        foreach (var edit in edits) edit.Write();
        using var journal = RollingRun.OpenJournal(session.Directory, "hosts-add", $"hosts add {string.Join(", ", hosts.Select(h => h.Name))}");
        journal.Write("progress", e => e with { Message = $"inventory: {string.Join(", ", edits.SelectMany(x => x.Files).Select(f => f.RelativePath).Distinct())}" });
        var applied = noApply ? ExitCodes.Ok : await ApplyAsync(io, transports, settings, cancellation);
        journal.Write(applied == ExitCodes.Ok ? ApplyJournal.RunCompleted : ApplyJournal.RunFailed, e => e);
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                added = hosts.Select(h => new { host = h.Name, address = h.Address.ToString(), groups = h.Groups }),
                applied = !noApply && applied == ExitCodes.Ok, journal = journal.Path,
            });
        else if (applied != ExitCodes.Ok)
            io.Error.WriteLine($"error: the host(s) are in the inventory but the apply failed. Fix what it reports, then datalyptica apply {session.Directory}.");
        else io.Out.MarkupLine(noApply
            ? $"added {hosts.Count} host(s) to the inventory. next: datalyptica plan {Markup.Escape(session.Directory)}, then datalyptica apply {Markup.Escape(session.Directory)}"
            : $"[green]added[/] {hosts.Count} host(s) and applied the site");
        return applied;
    }

    /// <summary>lab03 -> lab04, lab05 (past the highest number any host of that prefix has, keeping the width).</summary>
    private static IReadOnlyList<string> NextNames(Site site, string like, int count)
    {
        var digits = like.Length - like.TrimEnd("0123456789".ToCharArray()).Length;
        if (digits == 0)
            throw new InventoryEditException($"--like '{like}' ends in no number to continue, so new names cannot be made from it. Fix: give one address with --name NAME.");
        var prefix = like[..^digits];
        var highest = site.Hosts.Select(h => h.Name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.Length > prefix.Length && n[prefix.Length..].All(char.IsAsciiDigit))
            .Select(n => long.Parse(n[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        return Enumerable.Range(1, count).Select(i => prefix + (highest + i).ToString(new string('0', digits), System.Globalization.CultureInfo.InvariantCulture)).ToList();
    }

    public static void UndoAll(IEnumerable<InventoryEdit> edits)
    {
        foreach (var edit in edits.Reverse()) edit.Undo();
    }

    /// <summary>The whole site applied (JSON mode: apply's own lines go to stderr, so stdout keeps one document).</summary>
    public static Task<int> ApplyAsync(CliIo io, Engine.Apply.IHostTransportFactory? transports, HostChangeSettings settings, CancellationToken cancellation)
    {
        var applyIo = settings.Output == OutputFormat.Json
            ? io with { Out = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(io.Error), Ansi = AnsiSupport.No }) }
            : io;
        return new ApplyCommand(applyIo, transports).ApplyAsync(settings.ApplySettings(), cancellation);
    }

    /// <summary>
    /// One host out of <paramref name="groups"/> (null: every group): the inventory edit checked as a whole site first,
    /// the departure shown and confirmed, then run; the inventory is written only once the host was vacated, so a run
    /// that stops before leaves the site as it was and can simply be run again.
    /// </summary>
    public static async Task<int> RemoveAsync(CliIo io, Engine.Apply.IHostTransportFactory? transports, HostChangeSettings settings, SiteSession session,
        string host, IReadOnlyCollection<string>? groups, CancellationToken cancellation)
    {
        var hostGone = settings is HostsRemoveSettings { HostGone: true };
        InventoryEdit edit;
        try { edit = InventoryEdit.RemoveHost(session.Directory, host, groups); }
        catch (InventoryEditException e)
        {
            io.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        // The site without the host, checked whole (quorums: a role below its minimum is an error) and read back.
        edit.Write();
        var after = SiteSession.Open(new SiteOpenOptions(settings.Site) { NeedsSecrets = false });
        edit.Undo();
        if (after.Session is not { } afterSession)
        {
            Cli.PrintDiagnostics(io, after.Errors);
            io.Error.WriteLine($"error: the site without {host}{(groups is null ? "" : $" in {string.Join(", ", groups)}")} would have errors, so nothing was changed.");
            return ExitCodes.InvalidSite;
        }
        var plan = HostDeparture.Plan(session.Site, afterSession.Site, host);
        if (plan.Refused)
        {
            foreach (var refusal in plan.Refusals) io.Error.WriteLine($"error: {refusal}");
            io.Error.WriteLine("error: nothing was changed.");
            return ExitCodes.Failed;
        }
        var what = plan.LeavesSite ? $"{host} leaves the site" : $"{host} leaves {string.Join(", ", groups ?? [])}";
        RollingRun.Show(io, settings.Output, $"hosts remove: {what}\n" + string.Join('\n', HostDeparture.Describe(session.Site, plan, hostGone)) + "\n" +
            edit.Diff() + "then apply the site to the hosts that stay (member lists, firewall sets, scrape targets)\n" +
            (plan.LeavesSite ? $"kept on {host}: its packages and data, and the OS base (firewall, time sync, node exporter); wipe or rebuild it" : ""));
        if (await RollingRun.ConfirmAsync(io, settings.Yes, settings.Output, $"Take {host} out{(hostGone ? " (lost: nothing runs on it)" : "")}?", "hosts remove", cancellation) is { } declined)
            return declined;

        using var journal = RollingRun.OpenJournal(session.Directory, "hosts-remove", what);
        var progress = RollingRun.Progress(Cli.ProgressLog(io, settings.Output), journal);
        var wait = TimeSpan.FromSeconds(settings.Wait);
        var before = SiteDrillContext.Open(session, progress);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            if (!hostGone) await HostDeparture.VacateAsync(before, plan, wait, progress, cancellation);
            await HostDeparture.ForgetAsync(before, plan, progress, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            var problem = before.Masker.Mask(e.Message);
            journal.Write(ApplyJournal.RunFailed, x => x with { Host = host, Message = problem });
            io.Error.WriteLine($"error: hosts remove stopped before {host} left the inventory: {problem} " +
                $"The inventory is unchanged; fix the cause and run it again (journal: {journal.Path}).");
            return ExitCodes.Failed;
        }
        edit.Write();
        if (plan.LeavesSite) AppliedHosts.Remove(session.Directory, host);
        foreach (var removed in edit.Files.Where(f => f.After is null && f.Before is not null))
        {
            // The departed host's variables, kept where `hosts add` can be given them again by hand.
            var keep = Path.Combine(session.Directory, ".datalyptica", "removed-hosts", Path.GetFileName(removed.RelativePath));
            Directory.CreateDirectory(Path.GetDirectoryName(keep)!);
            IO.AtomicFile.Write(keep, removed.Before!, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        progress($"inventory: {what} ({string.Join(", ", edit.Files.Select(f => f.RelativePath))})");
        var applied = await ApplyAsync(io, transports, settings, cancellation);
        if (applied != ExitCodes.Ok)
        {
            journal.Write(ApplyJournal.RunFailed, x => x with { Message = "apply of the hosts that stay failed" });
            io.Error.WriteLine($"error: {host} is out of the inventory, and the apply of the hosts that stay failed. Fix what it reports, then datalyptica apply {session.Directory} (journal: {journal.Path}).");
            return applied;
        }
        if (Cli.OpenSite(io, settings, "checking the clusters") is not { } now) return ExitCodes.InvalidSite;
        try { await HostDeparture.SettleAsync(SiteDrillContext.Open(now, progress), plan, wait, progress, cancellation); }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            journal.Write(ApplyJournal.RunFailed, x => x with { Message = before.Masker.Mask(e.Message) });
            io.Error.WriteLine($"error: {host} left, but a cluster it left is not healthy: {before.Masker.Mask(e.Message)} Fix: datalyptica verify {session.Directory}.");
            return ExitCodes.Failed;
        }
        journal.Write(ApplyJournal.RunCompleted, x => x with { Host = host });
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion, host, leftSite = plan.LeavesSite, completed = true,
                components = plan.Components.Select(c => new { component = c.Component.Id, units = c.ManagedUnits, unitFiles = c.UnitFiles }),
                seconds = Math.Round(clock.Elapsed.TotalSeconds, 1), journal = journal.Path,
            });
        else io.Out.MarkupLine($"[green]{Markup.Escape(what)}[/] in {clock.Elapsed.TotalSeconds:0} s; every cluster it left is healthy");
        return ExitCodes.Ok;
    }
}

public sealed class ScaleSettings : HostChangeSettings
{
    [CommandArgument(1, "<POOL>")]
    [Description("The role group to grow or shrink (trino_worker, spark_worker, flink_taskmanager, redis, postgresql, ...).")]
    public string Pool { get; init; } = "";

    [CommandOption("--count <N>")]
    [Description("How many hosts the pool should have.")]
    public int? Count { get; init; }

    [CommandOption("--from <FILE>")]
    [Description("Growing: new hosts take the first addresses of this file (one IPv4 address per line) that no host of the site has.")]
    public string? From { get; init; }

    [CommandOption("--like <HOST>")]
    [Description("Growing: new hosts copy this host's variables and tier and continue its numbering. Default: the pool's last host.")]
    public string? Like { get; init; }

    public override ValidationResult Validate()
    {
        if (Count is not { } count) return ValidationResult.Error("give the pool's size with --count N.");
        if (count is < 0 or > Inventory.AnsibleInventoryReader.MaxHosts) return ValidationResult.Error($"--count must be between 0 and {Inventory.AnsibleInventoryReader.MaxHosts}.");
        if (!ComponentCatalog.RoleGroups.Contains(Pool, StringComparer.Ordinal))
        {
            var near = Validation.DidYouMean.Suggest(Pool, ComponentCatalog.RoleGroups.ToList());
            return ValidationResult.Error($"'{Pool}' is not a role group{(near is null ? "" : $"; did you mean {near}?")}");
        }
        return base.Validate();
    }
}

/// <summary>
/// `datalyptica scale SITE POOL --count N`: grows a pool with new hosts from an address list (as `hosts add`, then one
/// apply), or shrinks it from its last host backwards, one departure at a time (as `hosts remove --group POOL`; a host left
/// in no role group leaves the site). Quorum rules are the site's validation: a pool below its role's minimum is refused.
/// </summary>
public sealed class ScaleCommand(CliIo io, Engine.Apply.IHostTransportFactory? transports = null) : AsyncCommand<ScaleSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, ScaleSettings settings, CancellationToken cancellation)
    {
        if (Cli.OpenSite(io, settings, "scaling") is not { } session) return ExitCodes.InvalidSite;
        var members = session.Site.Hosts.Where(h => h.RoleGroups.Contains(settings.Pool, StringComparer.Ordinal)).ToList();
        var target = settings.Count!.Value;
        if (target == members.Count)
        {
            io.Out.MarkupLine($"{Markup.Escape(settings.Pool)} has {members.Count} host(s) already; nothing to do.");
            return ExitCodes.Ok;
        }
        if (target > members.Count)
        {
            if (settings.From is null)
            {
                io.Error.WriteLine($"error: {settings.Pool} grows from {members.Count} to {target}: give the new hosts' addresses with --from FILE.");
                return ExitCodes.Usage;
            }
            var list = IpListFile.Read(settings.From);
            if (list.Diagnostics.Count > 0)
            {
                Cli.PrintDiagnostics(io, list.Diagnostics);
                return ExitCodes.Usage;
            }
            var free = list.Addresses.Where(a => session.Site.Hosts.All(h => !h.Address.Equals(a))).Take(target - members.Count).ToList();
            if (free.Count < target - members.Count)
            {
                io.Error.WriteLine($"error: {settings.From} has {free.Count} address(es) no host of the site has; {settings.Pool} needs {target - members.Count} more.");
                return ExitCodes.Usage;
            }
            var like = settings.Like ?? members.LastOrDefault()?.Name;
            if (like is null)
            {
                io.Error.WriteLine($"error: {settings.Pool} has no host to copy: give --like HOST.");
                return ExitCodes.Usage;
            }
            return await HostChanges.AddAsync(io, transports, settings, session, free, [settings.Pool], like, null, noApply: false, cancellation);
        }
        // Shrinking: the pool's last hosts leave it, newest first, each one a whole departure before the next.
        foreach (var leaving in members.Skip(target).Reverse())
        {
            if (Cli.OpenSite(io, settings, "scaling") is not { } current) return ExitCodes.InvalidSite;
            var host = current.Site.Hosts.Single(h => h.Name == leaving.Name);
            var others = host.RoleGroups.Where(g => g != settings.Pool && !ImpliedRoles.IsImplied(g)).ToList();
            var result = await HostChanges.RemoveAsync(io, transports, settings, current, host.Name, others.Count == 0 ? null : [settings.Pool], cancellation);
            if (result != ExitCodes.Ok) return result;
        }
        return ExitCodes.Ok;
    }
}
