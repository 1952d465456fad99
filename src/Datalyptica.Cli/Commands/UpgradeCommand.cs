using System.ComponentModel;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Drills;
using Datalyptica.Contracts.Drilling;
using Datalyptica.Engine.Apply;
using Datalyptica.Model;
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
    [Description("The component that moves to VERSION: its Debian packages (postgresql, redis, haproxy) or its release archive (trino, kafka, ...).")]
    public override string Component { get; init; } = "";

    [CommandArgument(2, "[VERSION]")]
    [Description("The version every member runs afterwards: a Debian version as apt and the offline repository name it (15.20-0+deb12u1), or a release (trino 470). Left out with --rollback.")]
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
                : ValidationResult.Error($"'{Version}' is not {SettingPatterns.DebianVersionText}, nor a release version such as 470 or 3.9.1."),
        };
}

/// <summary>
/// `datalyptica upgrade SITE COMPONENT VERSION`: the component to VERSION one member at a time behind the restart's gates
/// (leaders last after their hand-over, the whole component healthy twice before the next member), a member that fails
/// its gate rolled back, the version recorded in the site once every member runs it. A Debian-packaged component moves
/// its packages (<see cref="PackageUpgrade"/>); one installed from its release archive gets VERSION unpacked beside the
/// running one and its <c>current</c> link switched, through apply's engine (<see cref="ArtifactUpgrade"/>). Members
/// already there are skipped, so a stopped upgrade resumes by running it again; an older VERSION is a downgrade.
/// </summary>
public sealed class UpgradeCommand(CliIo io) : AsyncCommand<UpgradeSettings>
{
    /// <summary>What differs between a package upgrade and an artifact upgrade; the gates, plan, journal and output are shared.</summary>
    /// <param name="Reads">What is read on each member ("postgresql-15, postgresql-client-15", "trino's current link").</param>
    /// <param name="Records">What the site records once every member runs VERSION (the packages' pins, datalyptica_versions.trino).</param>
    private sealed record Way(
        string Reads,
        string Records,
        Func<IReadOnlyList<RestartMember>, CancellationToken, Task<IReadOnlyList<UpgradeMember>>> InstalledAsync,
        Func<IReadOnlyDictionary<string, UpgradeMember>, MemberSteps> Steps,
        Func<string> Pin);

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
        var drillContext = SiteDrillContext.Open(session, log);
        PreparedSite prepared;
        Way way;
        try
        {
            prepared = PreparedSite.Prepare(session, io.Error.WriteLine);
            way = component.InstallOn(session.Site) == InstallSource.Artifact
                ? ArtifactWay(session, prepared, drillContext, component, version, settings)
                : PackageWay(session, prepared, drillContext, component, version, settings);
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

        IReadOnlyList<UpgradeMember> members;
        IReadOnlyList<(RestartMember Member, bool Leads)> order;
        try
        {
            members = await way.InstalledAsync(PackageUpgrade.Members(site, component, limit), cancellation);
            var pending = members.Where(m => !m.IsAt(version)).Select(m => m.Member).ToList();
            order = await ComponentRestart.OrderAsync(drillContext, pending, cancellation);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            io.Error.WriteLine($"error: could not read every member's {way.Reads} and leadership, so nothing was upgraded: {drillContext.Masker.Mask(e.Message)}. " +
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
            await using (repository)
            {
                try
                {
                    result = await ComponentRestart.RunAsync(drillContext, restarts, order.Select(o => o.Member).ToList(), TimeSpan.FromSeconds(settings.Wait), progress,
                        way.Steps(before), cancellation);
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
        try { everywhere = await way.InstalledAsync(PackageUpgrade.Members(site, component, null), cancellation); }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            pinProblem = $"could not read every member's versions afterwards, so the site was not changed: {drillContext.Masker.Mask(e.Message)}. Fix: run the same upgrade again (members already at {version} are skipped).";
        }
        var after = everywhere.ToDictionary(m => m.Member.Host.Name, m => m.Installed);
        if (everywhere.Count > 0 && everywhere.All(m => m.IsAt(version)))
        {
            try
            {
                pinned = way.Pin();
                progress($"every member runs {version}: recorded in {pinned}");
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
            if (pinned is not null) io.Out.MarkupLine($"pinned {Markup.Escape(way.Records)} at {Markup.Escape(version)} in {Markup.Escape(pinned)}");
            else if (pinProblem is null && everywhere.Count > 0)
                io.Out.MarkupLine(Markup.Escape($"not pinned in the site yet: {string.Join(", ", everywhere.Where(m => !m.IsAt(version)).Select(m => $"{m.Member.Host.Name} ({m.InstalledText})"))} " +
                    $"still run another version; the pin is written once every member of {component.Id} runs {version}."));
        }
        if (pinProblem is not null) io.Error.WriteLine($"warning: {version} was not pinned in the site: {pinProblem}");
        return completed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>Debian packages: each member installs them at VERSION (held), its way back the versions it had; the site pins them.</summary>
    private static Way PackageWay(SiteSession session, PreparedSite prepared, DrillContext context, ComponentDefinition component, string version, UpgradeSettings settings)
    {
        var packages = PackageUpgrade.Packages(session.Site, component);
        if (ApplyRepository.DirectoryFor(prepared.Site, settings.Repository) is { } directory)
            PackageUpgrade.RequireInRepository(RepositoryManifest.Load(directory), directory, packages, version);
        var site = prepared.Site;
        var source = AptSource.Configured(site) is { IsOfflineRepository: true, SigningKey: not null } served ? AptSourceRenderer.Transient(served) : null;
        var named = string.Join(", ", packages);
        return new Way(named, named,
            (members, cancellation) => PackageUpgrade.InstalledAsync(context, members, packages, cancellation),
            before => MemberSteps.Commands(context,
                m => PackageUpgrade.UpgradeCommand(m, PackageUpgrade.PackagesOf(before[m.Host.Name], packages), version, source),
                m => PackageUpgrade.RollbackCommand(before[m.Host.Name], source),
                m => $"{before[m.Host.Name].InstalledText} -> {version} (apt-get install, held), then systemctl restart {string.Join(' ', m.UnitNames)}"),
            () => PackagePinRecord.Record(session.Directory, PackagePins.Of(site), packages.ToDictionary(p => p, _ => version),
                dir => PackagePins.Of(Reload(session, dir))));
    }

    /// <summary>
    /// A release archive: each member gets apply's plan of the component at VERSION (unpacked beside the running version,
    /// files rendered for it, current switched, units restarted); its way back is the same at the version it ran, whose
    /// folder apply kept. The site records VERSION in datalyptica_versions.
    /// </summary>
    private static Way ArtifactWay(SiteSession session, PreparedSite prepared, DrillContext context, ComponentDefinition component, string version, UpgradeSettings settings)
    {
        var upgraded = PreparedSite.Prepare(session.WithSite(ArtifactUpgrade.At(session.Site, component, version)));
        var options = new ApplyOptions
        {
            JournalDirectory = Path.Combine(session.Directory, ".datalyptica", "journal"),
            Artifacts = new Engine.Apply.ArtifactStore(Path.Combine(session.Directory, ".datalyptica", "artifacts")),
            ResolveSecret = n => prepared.Secrets.GetValueOrDefault(n),
            Masker = prepared.Masker(),
            AllowStandIns = prepared.Site.IsLab,
        };
        var pinned = session.Site.Versions.GetValueOrDefault(component.Id, component.DefaultVersion);
        return new Way($"{component.Id} current link", $"{SiteKeys.Versions}.{component.Id}",
            (members, cancellation) => ArtifactUpgrade.InstalledAsync(context, members, component, cancellation),
            before => new MemberSteps(
                (m, cancellation) => ArtifactUpgrade.ApplyMemberAsync(context, upgraded, component, m, options, cancellation),
                // The way back is the version the member ran: the site's, unless an earlier run stopped half-way. A run
                // rolls back at most one member (it stops there), so that site is prepared only then.
                (m, cancellation) => ArtifactUpgrade.ApplyMemberAsync(context,
                    before[m.Host.Name].Installed.GetValueOrDefault(component.Id) is { } ran && ran != pinned
                        ? PreparedSite.Prepare(session.WithSite(ArtifactUpgrade.At(session.Site, component, ran))) : prepared,
                    component, m, options, cancellation),
                m => ArtifactUpgrade.Describe(before[m.Host.Name], version, m)),
            () => VersionRecord.Record(session.Directory, session.Site, component.Id, version, dir => Reload(session, dir).Versions.GetValueOrDefault(component.Id)));
    }

    private static Model.Site Reload(SiteSession session, string directory) =>
        SiteLoader.Load(directory, session.VaultPassword is { } password ? () => password : null).Site ?? throw new InvalidOperationException("the site no longer loads");

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
