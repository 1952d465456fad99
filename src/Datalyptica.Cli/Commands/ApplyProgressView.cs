using System.Diagnostics;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Planning;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Datalyptica.Cli.Commands;

/// <summary>
/// What apply shows while it runs. On a terminal: a live panel (the layer, hosts and changes done out of all, each busy
/// host's current change and how long it has taken, elapsed times), redrawn four times a second. Anywhere else (a log, CI):
/// timestamped plain lines: each layer's start and end, each host's end of a layer, each failure, and every 30 s which
/// hosts are still busy on what, so a long package step never looks like a hang.
/// </summary>
public sealed class ApplyProgressView(Func<DateTimeOffset>? clock = null) : IApplyProgress
{
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(30);
    private const int BusyRowsShown = 12;

    private readonly Func<DateTimeOffset> _now = clock ?? (() => DateTimeOffset.UtcNow);
    private readonly object _gate = new();
    private readonly List<string> _lines = [];
    private readonly Dictionary<string, HostState> _hosts = [];
    private IReadOnlyList<Layer> _layers = [];
    private Layer? _layer;
    private DateTimeOffset _started, _layerStarted;

    private sealed class HostState(int total, DateTimeOffset started)
    {
        public int Total { get; } = total;
        public int Done { get; set; }
        public bool Failed { get; set; }
        public string? Current { get; set; }
        public DateTimeOffset CurrentSince { get; set; } = started;
        public DateTimeOffset Started { get; } = started;
        public bool Finished => Failed || Done == Total;
    }

    /// <summary>The layers this run will go through, for "layer 2/5".</summary>
    public void Begin(IEnumerable<Layer> layers)
    {
        lock (_gate) { _layers = layers.ToList(); _started = _now(); }
    }

    public void LayerStarted(Layer layer, IReadOnlyDictionary<string, int> changesPerHost)
    {
        lock (_gate)
        {
            _layer = layer;
            _layerStarted = _now();
            _hosts.Clear();
            foreach (var (host, count) in changesPerHost) _hosts[host] = new HostState(count, _layerStarted);
            Line($"layer {LayerPosition()} {layer.Name()}: {changesPerHost.Count} host(s), {changesPerHost.Values.Sum()} change(s)");
        }
    }

    public void Record(JournalEntry entry)
    {
        lock (_gate)
        {
            var state = entry.Host is { } h ? _hosts.GetValueOrDefault(h) : null;
            switch (entry.Event)
            {
                case ApplyJournal.ChangeStarted when state is not null:
                    state.Current = $"{entry.Action} {entry.Resource}";
                    state.CurrentSince = _now();
                    break;
                case ApplyJournal.ChangeDone when state is not null:
                    state.Done++;
                    state.Current = null;
                    if (state.Finished) Line($"{entry.Host}: {entry.Layer} done, {state.Done} change(s) in {Seconds(_now() - state.Started)}");
                    break;
                case ApplyJournal.ChangeFailed when state is not null:
                    state.Failed = true;
                    state.Current = null;
                    Line($"{entry.Host}: {entry.Layer} FAILED at {entry.Resource}{(entry.ExitCode is { } code and >= 0 ? $" (exit {code})" : "")} after {state.Done} change(s)");
                    break;
                case ApplyJournal.LayerDone:
                    Line($"layer {entry.Layer} done in {Seconds(_now() - _layerStarted)}: {_hosts.Values.Count(s => s.Finished && !s.Failed)} of {_hosts.Count} host(s) ok");
                    break;
            }
        }
    }

    /// <summary>The plain lines written so far and not yet taken (for a log or CI).</summary>
    public IReadOnlyList<string> TakeLines()
    {
        lock (_gate)
        {
            var taken = _lines.ToList();
            _lines.Clear();
            return taken;
        }
    }

    /// <summary>"still on layer catalog (1 m 12 s): db01 at + package:postgresql-15 (41 s), db02 at ..." for a quiet stretch.</summary>
    public string? StillBusyLine()
    {
        lock (_gate)
        {
            if (_layer is not { } layer) return null;
            var busy = _hosts.Where(h => !h.Value.Finished).OrderBy(h => h.Key, StringComparer.Ordinal).ToList();
            if (busy.Count == 0) return null;
            var now = _now();
            var shown = busy.Take(BusyRowsShown).Select(h => h.Value.Current is { } c ? $"{h.Key} at {c} ({Seconds(now - h.Value.CurrentSince)})" : $"{h.Key} waiting");
            return Stamp($"still on layer {layer.Name()} ({Seconds(now - _layerStarted)}): {string.Join(", ", shown)}{(busy.Count > BusyRowsShown ? $", and {busy.Count - BusyRowsShown} more" : "")}");
        }
    }

    /// <summary>The live panel's content.</summary>
    public IRenderable Panel()
    {
        lock (_gate)
        {
            var now = _now();
            var rows = new List<IRenderable>();
            var header = _layer is { } layer
                ? $"[bold]layer {LayerPosition()} {layer.Name()}[/]  hosts {_hosts.Values.Count(s => s.Finished)}/{_hosts.Count} done, " +
                  $"changes {_hosts.Values.Sum(s => s.Done)}/{_hosts.Values.Sum(s => s.Total)}  [dim](layer {Seconds(now - _layerStarted)}, all {Seconds(now - _started)})[/]"
                : $"[bold]starting[/]  [dim]({Seconds(now - _started)})[/]";
            rows.Add(new Markup(header));
            var busy = _hosts.Where(h => !h.Value.Finished).OrderBy(h => h.Key, StringComparer.Ordinal).ToList();
            var table = new Table().Border(TableBorder.None).HideHeaders().AddColumns("host", "change", "done", "for");
            foreach (var (host, s) in busy.Take(BusyRowsShown))
                table.AddRow(Markup.Escape(host), Markup.Escape(s.Current ?? "waiting for its turn"), $"{s.Done}/{s.Total}", Seconds(now - s.CurrentSince));
            if (busy.Count > 0) rows.Add(table);
            if (busy.Count > BusyRowsShown) rows.Add(new Markup($"[dim]and {busy.Count - BusyRowsShown} more host(s)[/]"));
            foreach (var failed in _hosts.Where(h => h.Value.Failed).Select(h => h.Key).Order(StringComparer.Ordinal))
                rows.Add(new Markup($"[red]{Markup.Escape(failed)} failed[/]"));
            return new Rows(rows);
        }
    }

    /// <summary>Whether the live panel can be drawn on <paramref name="console"/>: an interactive terminal with ANSI.</summary>
    public static bool CanDrawOn(IAnsiConsole console) => console.Profile.Capabilities is { Interactive: true, Ansi: true };

    /// <summary>
    /// Runs <paramref name="apply"/> with this view watching: the live panel on <paramref name="console"/> when
    /// <paramref name="live"/>, else timestamped lines to <paramref name="log"/>.
    /// </summary>
    public async Task<ApplyResult> RunAsync(bool live, IAnsiConsole console, TextWriter log, Func<Task<ApplyResult>> apply)
    {
        var running = apply();
        if (live)
        {
            await console.Live(Panel()).AutoClear(true).StartAsync(async live =>
            {
                while (!running.IsCompleted)
                {
                    await Task.WhenAny(running, Task.Delay(250));
                    live.UpdateTarget(Panel());
                }
            });
            foreach (var line in TakeLines()) log.WriteLine(line); // what happened, kept once the panel is gone
            return await running;
        }
        var quietSince = Stopwatch.StartNew();
        while (!running.IsCompleted)
        {
            await Task.WhenAny(running, Task.Delay(TimeSpan.FromSeconds(1)));
            var lines = TakeLines();
            foreach (var line in lines) log.WriteLine(line);
            if (lines.Count > 0) quietSince.Restart();
            else if (quietSince.Elapsed >= Heartbeat && StillBusyLine() is { } still) { log.WriteLine(still); quietSince.Restart(); }
        }
        foreach (var line in TakeLines()) log.WriteLine(line);
        return await running;
    }

    private string LayerPosition() => _layer is { } l && _layers.Count > 0 ? $"{_layers.ToList().IndexOf(l) + 1}/{_layers.Count}" : "";

    private void Line(string text) => _lines.Add(Stamp(text));

    private string Stamp(string text) => $"{_now():yyyy-MM-dd'T'HH:mm:ss'Z'} {text}";

    private static string Seconds(TimeSpan t) =>
        t.TotalSeconds < 60 ? $"{t.TotalSeconds:0.0} s" : $"{(int)t.TotalMinutes} m {t.Seconds:00} s";
}
