using System.ComponentModel;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Drills;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Repository;
using Datalyptica.Restarts;
using Datalyptica.Sites;
using Datalyptica.Upgrades;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class UpgradeSettings : RollingSettings
{
    [CommandArgument(1, "<COMPONENT>")]
    [Description("The component whose Debian packages move to VERSION (postgresql, redis, haproxy).")]
    public override string Component { get; init; } = "";

    [CommandArgument(2, "[VERSION]")]
    [Description("The Debian version every member installs, as apt and the offline repository name it (15.20-0+deb12u1). Left out with --rollback.")]
    public string? Version { get; init; }

    [CommandOption("--rollback")]
    [Description("Undo the last completed upgrade of COMPONENT: every member goes back to the version the journal (SITE/.datalyptica/journal) records it ran before.")]
    public bool Rollback { get; init; }

    [CommandOption("--repository <DIR>")]
    [Description("Offline repository folder (repo build --out DIR) served on the site's apt_repository_listen while the upgrade runs; default: the site's apt_repository_dir.")]
    public string? Repository { get; init; }

    public override ValidationResult Validate() =>
        base.Validate() is { Successful: false } refused ? refused
        : (Version, Rollback) switch
        {
            (null, false) => ValidationResult.Error("upgrade needs VERSION, or --rollback to undo the last upgrade."),
            (not null, true) => ValidationResult.Error("give VERSION or --rollback, not both (--rollback finds the version in the journal)."),
            (null, true) => ValidationResult.Success(),
            _ => SettingPatterns.DebianVersion.IsMatch(Version) ? ValidationResult.Success()
                : ValidationResult.Error($"'{Version}' is not {SettingPatterns.DebianVersionText}."),
        };
}

/// <summary>
/// `datalyptica upgrade SITE COMPONENT VERSION`: the component's packages to VERSION one member at a time behind the
/// restart's gates (leaders last after their hand-over, the whole component healthy twice before the next member), a
/// member that fails its gate rolled back, the pins written to the site once every member runs VERSION. Members already
/// there are skipped, so a stopped upgrade resumes by running it again; an older VERSION is a downgrade (the roll back).
/// </summary>
public sealed class UpgradeCommand(CliIo io) : AsyncCommand<UpgradeSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, UpgradeSettings settings, CancellationToken cancellation)
    {
        if (Cli.OpenSite(io, settings, "an upgrade") is not { } session) return ExitCodes.InvalidSite;
        var log = Cli.ProgressLog(io, settings.Output);
        var component = ComponentCatalog.Get(settings.Component);
        var version = settings.Version;
        if (settings.Rollback)
        {
            var (target, problem) = UpgradeHistory.RollbackTarget(Path.Combine(session.Directory, ".datalyptica", "journal"), component.Id);
            if (target is null)
            {
                io.Error.WriteLine($"error: {problem}");
                return ExitCodes.Failed;
            }
            log($"--rollback: the last upgrade of {component.Id} moved its members from {target}");
            version = target;
        }
        if (version is null) throw new InvalidOperationException("VERSION or --rollback was checked by Validate");
        if (!session.Site.Deploys(component))
        {
            io.Error.WriteLine($"error: the site {session.Directory} does not deploy {component.Id}; nothing to upgrade.");
            return ExitCodes.Failed;
        }
        PreparedSite prepared;
        IReadOnlyList<string> packages;
        try
        {
            packages = PackageUpgrade.Packages(session.Site, component);
            prepared = PreparedSite.Prepare(session, io.Error.WriteLine);
            if (ApplyRepository.DirectoryFor(prepared.Site, settings.Repository) is { } directory)
                PackageUpgrade.RequireInRepository(RepositoryManifest.Load(directory), directory, packages, version);
        }
        catch (Exception e) when (e is UpgradeRefusedException or RepositoryBuildException or InvalidOperationException)
        {
            io.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        var site = prepared.Site;
        var restarts = ComponentCatalog.Get(component.UpgradeRestarts);
        var limit = HostLimit.Resolve(settings.Limit, site);
        if (settings.Limit is { } pattern && limit is not null) HostLimit.Show(io, settings.Output, pattern, site, limit);
        var drillContext = SiteDrillContext.Open(session, log);

        IReadOnlyList<UpgradeMember> members;
        IReadOnlyList<(RestartMember Member, bool Leads)> order;
        try
        {
            members = await PackageUpgrade.InstalledAsync(drillContext, PackageUpgrade.Members(site, component, limit), packages, cancellation);
            var pending = members.Where(m => !m.IsAt(version)).Select(m => m.Member).ToList();
            order = await ComponentRestart.OrderAsync(drillContext, pending, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            io.Error.WriteLine($"error: could not read every member's {string.Join(", ", packages)} and leadership, so nothing was upgraded: {drillContext.Masker.Mask(e.Message)}. " +
                $"Fix: datalyptica verify {session.Directory} --component {restarts.Id}");
            return ExitCodes.Failed;
        }
        if (members.Count == 0)
        {
            io.Error.WriteLine($"error: {component.Id} has no member on {(limit is null ? "its hosts" : "the hosts --limit selects")}.");
            return ExitCodes.Failed;
        }
        var before = members.ToDictionary(m => m.Member.Host.Name);
        ShowPlan(component.Id, version, restarts.Id, members, order, site, settings.Output);
        if (order.Count > 0 && await RollingRun.ConfirmAsync(io, settings, $"Upgrade {order.Count} member(s) of {component.Id} to {version}, one at a time?", "upgrade", cancellation) is { } declined)
            return declined;

        using var journal = RollingRun.OpenJournal(session.Directory, "upgrade", $"upgrade {component.Id} to {version}: {string.Join(", ", order.Select(o => o.Member.Host.Name))}");
        var progress = RollingRun.Progress(log, journal);
        foreach (var (member, _) in order) journal.Write(UpgradeHistory.FromEvent, e => UpgradeHistory.From(e, component.Id, before[member.Host.Name], version));
        RestartResult? result = null;
        if (order.Count > 0)
        {
            RepositoryServer? repository;
            try { repository = ApplyRepository.StartFor(site, settings.Repository, prepared.RepositorySigningKey); }
            catch (Exception e) when (e is RepositoryBuildException or ArgumentException or InvalidOperationException or DirectoryNotFoundException)
            {
                io.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failed;
            }
            var source = AptSource.Configured(site) is { IsOfflineRepository: true, SigningKey: not null } served ? AptSourceRenderer.Transient(served) : null;
            await using (repository)
            {
                try
                {
                    result = await ComponentRestart.RunAsync(drillContext, restarts, order.Select(o => o.Member).ToList(), TimeSpan.FromSeconds(settings.Wait), progress, cancellation,
                        restartCommand: m => PackageUpgrade.UpgradeCommand(m, PackageUpgrade.PackagesOf(before[m.Host.Name], packages), version, source),
                        rollbackCommand: m => PackageUpgrade.RollbackCommand(before[m.Host.Name], source),
                        describe: m => $"{before[m.Host.Name].InstalledText} -> {version} (apt-get install, held), then systemctl restart {string.Join(' ', m.UnitNames)}");
                }
                catch (RestartRefusedException e)
                {
                    journal.Write(ApplyJournal.RunFailed, x => x with { Message = e.Message });
                    io.Error.WriteLine($"error: {e.Message}");
                    return ExitCodes.Failed;
                }
            }
        }

        // The site records the version once every member of the component runs it (not only those --limit chose).
        string? pinned = null, pinProblem = null;
        IReadOnlyList<UpgradeMember> everywhere = [];
        try { everywhere = await PackageUpgrade.InstalledAsync(drillContext, PackageUpgrade.Members(site, component, null), packages, cancellation); }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            pinProblem = $"could not read every member's versions afterwards, so the site was not changed: {drillContext.Masker.Mask(e.Message)}. Fix: run the same upgrade again (members already at {version} are skipped).";
        }
        var after = everywhere.ToDictionary(m => m.Member.Host.Name, m => m.Installed);
        if (everywhere.Count > 0 && everywhere.All(m => m.IsAt(version)))
        {
            try
            {
                pinned = PackagePinRecord.Record(session.Directory, PackagePins.Of(site), packages.ToDictionary(p => p, _ => version),
                    dir => PackagePins.Of(SiteLoader.Load(dir, session.VaultPassword is { } password ? () => password : null).Site ?? throw new InvalidOperationException("the site no longer loads")));
                progress($"every member runs {version}: pinned in {pinned}");
            }
            catch (InvalidOperationException e) { pinProblem = e.Message; }
        }
        var completed = result?.Completed ?? true;
        journal.Write(completed ? ApplyJournal.RunCompleted : ApplyJournal.RunFailed, e => e with { Host = result?.StoppedAt?.Host, Message = result?.StoppedAt?.Problem ?? pinProblem });
        var steps = result?.Steps ?? [];
        var untouched = order.Select(o => o.Member.Host.Name).Skip(steps.Count).ToList();
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                component = component.Id, version, restarted = restarts.Id, completed, wallTimeMs = (long)(result?.WallTime.TotalMilliseconds ?? 0),
                // In the order they ran, then the members that were already at VERSION.
                members = order.Select(o => before[o.Member.Host.Name]).Concat(members.Where(m => m.IsAt(version))).Select(m =>
                {
                    var step = steps.FirstOrDefault(s => s.Host == m.Member.Host.Name);
                    return new
                    {
                        host = m.Member.Host.Name, before = m.Installed, after = after.GetValueOrDefault(m.Member.Host.Name),
                        skipped = m.IsAt(version), step?.Led, step?.HandOver,
                        handOverSeconds = step?.HandOverTook is { } h ? Math.Round(h.TotalSeconds, 3) : (double?)null,
                        healthyAfterSeconds = step?.HealthyAfter is { } t ? Math.Round(t.TotalSeconds, 3) : (double?)null,
                        rolledBack = step?.RolledBack, problem = step?.Problem,
                    };
                }),
                untouched, pinnedIn = pinned, pinProblem, journal = journal.Path,
            });
        else if (result?.StoppedAt is { } stopped)
            io.Error.WriteLine($"error: upgrade of {component.Id} stopped at {stopped.Host}: {stopped.Problem}" +
                (untouched.Count > 0 ? $" Not upgraded: {string.Join(", ", untouched)}." : "") +
                $" Run the same upgrade again once fixed: members already at {version} are skipped. (journal: {journal.Path})");
        else
        {
            io.Out.MarkupLine(order.Count == 0
                ? $"every member of {Markup.Escape(component.Id)} already runs {Markup.Escape(version)}"
                : $"[green]upgraded[/] {order.Count} member(s) of {Markup.Escape(component.Id)} to {Markup.Escape(version)} in {result!.WallTime.TotalSeconds:0} s");
            if (pinned is not null) io.Out.MarkupLine($"pinned {Markup.Escape(string.Join(", ", packages))} at {Markup.Escape(version)} in {Markup.Escape(pinned)}");
            else if (pinProblem is null && everywhere.Count > 0)
                io.Out.MarkupLine(Markup.Escape($"not pinned in the site yet: {string.Join(", ", everywhere.Where(m => !m.IsAt(version)).Select(m => $"{m.Member.Host.Name} ({m.InstalledText})"))} " +
                    $"still run another version; the pin is written once every member of {component.Id} runs {version}."));
        }
        if (pinProblem is not null) io.Error.WriteLine($"warning: {version} was not pinned in the site: {pinProblem}");
        return completed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private void ShowPlan(string component, string version, string restarts, IReadOnlyList<UpgradeMember> members,
        IReadOnlyList<(RestartMember Member, bool Leads)> order, Model.Site site, OutputFormat output)
    {
        var byHost = members.ToDictionary(m => m.Member.Host.Name);
        var lines = order.Select((o, i) =>
        {
            var handOver = ComponentRestart.HandOverDescription(site, o.Member);
            return $"{i + 1}. {o.Member.Host.Name}: {byHost[o.Member.Host.Name].InstalledText} -> {version}, then restart {string.Join(", ", o.Member.UnitNames)}" +
                (o.Leads ? handOver is null ? " (leads now: goes last)" : $" (leads now: {handOver} first)" : "");
        }).Concat(members.Where(m => m.IsAt(version)).Select(m => $"-  {m.Member.Host.Name}: already at {version}"));
        RollingRun.Show(io, output,
            $"upgrade {component} to {version}, one member at a time; {restarts} restarts on the new binaries and must be healthy (verify) before the next member:\n" +
            string.Join('\n', lines.Select(l => "  " + l)));
    }
}
