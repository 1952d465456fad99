using System.ComponentModel;
using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Drills;
using Datalyptica.Engine.Apply;
using Datalyptica.Restarts;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class RestartSettings : RollingSettings
{
    [CommandArgument(1, "<COMPONENT>")]
    [Description("The component whose services restart (patroni, redis, etcd, zookeeper, haproxy, keepalived, kafka, ...).")]
    public override string Component { get; init; } = "";
}

/// <summary>
/// `datalyptica restart SITE COMPONENT`: shows the order (members that lead last, with their hand-over), asks, then
/// restarts one member at a time behind verify's health gate; journal under SITE/.datalyptica/journal. Exit 0 when every
/// member is back, 1 when it stopped at a member (named, with the members left untouched).
/// </summary>
public sealed class RestartCommand(CliIo io) : AsyncCommand<RestartSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, RestartSettings settings, CancellationToken cancellation)
    {
        if (Cli.OpenSite(io, settings, "a restart") is not { } session) return ExitCodes.InvalidSite;
        var site = session.Site;
        var log = Cli.ProgressLog(io, settings.Output);
        var component = ComponentCatalog.Get(settings.Component);
        if (!site.Deploys(component))
        {
            io.Error.WriteLine($"error: the site {session.Directory} does not deploy {component.Id}; nothing to restart.");
            return ExitCodes.Failed;
        }
        var limit = HostLimit.Resolve(settings.Limit, site);
        if (settings.Limit is { } pattern && limit is not null) HostLimit.Show(io, settings.Output, pattern, site, limit);
        var members = ComponentRestart.Members(site, component, limit);
        if (members.Count == 0)
        {
            io.Error.WriteLine($"error: {component.Id} runs no service of its own on {(limit is null ? "its hosts" : "the hosts --limit selects")}.");
            return ExitCodes.Failed;
        }
        // PostgreSQL's own units are its exporter and pgBackRest's server; the database restarts with Patroni.
        if (component.Id == "postgresql") log("PostgreSQL itself runs under Patroni: to restart the database, datalyptica restart SITE patroni.");
        var drillContext = SiteDrillContext.Open(session, log);
        IReadOnlyList<(RestartMember Member, bool Leads)> order;
        try { order = await ComponentRestart.OrderAsync(drillContext, members, cancellation); }
        catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
        {
            io.Error.WriteLine($"error: could not ask every member of {component.Id} whether it leads, so nothing was restarted: {drillContext.Masker.Mask(e.Message)}. " +
                $"Fix: datalyptica verify {session.Directory} --component {component.Id}");
            return ExitCodes.Failed;
        }
        ShowOrder(component.Id, order, site, settings.Output);
        if (await RollingRun.ConfirmAsync(io, settings, $"Restart {order.Count} member(s) of {component.Id}, one at a time?", "restart", cancellation) is { } declined)
            return declined;

        using var journal = RollingRun.OpenJournal(session.Directory, "restart", $"restart {component.Id}: {string.Join(", ", order.Select(o => o.Member.Host.Name))}");
        var progress = RollingRun.Progress(log, journal);
        RestartResult result;
        try { result = await ComponentRestart.RunAsync(drillContext, component, order.Select(o => o.Member).ToList(), TimeSpan.FromSeconds(settings.Wait), progress, cancellation); }
        catch (RestartRefusedException e)
        {
            journal.Write(ApplyJournal.RunFailed, x => x with { Message = e.Message });
            io.Error.WriteLine($"error: {e.Message}");
            return ExitCodes.Failed;
        }
        var untouched = order.Select(o => o.Member.Host.Name).Skip(result.Steps.Count).ToList();
        journal.Write(result.Completed ? ApplyJournal.RunCompleted : ApplyJournal.RunFailed,
            e => e with { Host = result.StoppedAt?.Host, Message = result.StoppedAt?.Problem });
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                result.Component, result.Completed, wallTimeMs = (long)result.WallTime.TotalMilliseconds,
                members = result.Steps.Select(s => new
                {
                    s.Host, s.Units, s.Led, s.HandOver,
                    handOverSeconds = s.HandOverTook is { } h ? Math.Round(h.TotalSeconds, 3) : (double?)null,
                    healthyAfterSeconds = s.HealthyAfter is { } t ? Math.Round(t.TotalSeconds, 3) : (double?)null,
                    s.Problem,
                }),
                untouched, journal = journal.Path,
            });
        else if (result.StoppedAt is { } stopped)
            io.Error.WriteLine($"error: restart of {component.Id} stopped at {stopped.Host}: {stopped.Problem}" +
                (untouched.Count > 0 ? $" Not restarted: {string.Join(", ", untouched)}." : "") + $" (journal: {journal.Path})");
        else
            io.Out.MarkupLine($"[green]restarted[/] {result.Steps.Count} member(s) of {Markup.Escape(component.Id)} in {result.WallTime.TotalSeconds:0} s");
        return result.Completed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private void ShowOrder(string component, IReadOnlyList<(RestartMember Member, bool Leads)> order, Model.Site site, OutputFormat output)
    {
        var lines = order.Select((o, i) =>
        {
            var handOver = ComponentRestart.HandOverDescription(site, o.Member);
            return $"{i + 1}. {o.Member.Host.Name}: {string.Join(", ", o.Member.UnitNames)}" +
                (o.Leads ? handOver is null ? " (leads now: restarts last)" : $" (leads now: {handOver} first)" : "");
        }).ToList();
        RollingRun.Show(io, output, $"restart {component}, one member at a time, each healthy again (verify) before the next:\n" + string.Join('\n', lines.Select(l => "  " + l)));
    }
}
