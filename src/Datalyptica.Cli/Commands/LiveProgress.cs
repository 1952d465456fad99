using System.Diagnostics;
using Spectre.Console;

namespace Datalyptica.Cli.Commands;

/// <summary>
/// A long verb's progress (lab up, repo build, backup, drills) where people look: on a terminal, each step printed with
/// its time above one live status line (a spinner, the latest step, the time since the verb started, ticking every
/// second); anywhere else (a log, a pipe, JSON mode), the verb's plain lines as before. Apply has its own richer view
/// (<see cref="ApplyProgressView"/>).
/// </summary>
internal static class LiveProgress
{
    /// <param name="plain">Where each line goes when there is no terminal to draw on.</param>
    public static async Task<T> RunAsync<T>(CliIo io, OutputFormat output, string title, Action<string> plain, Func<Action<string>, Task<T>> work)
    {
        if (output != OutputFormat.Human || !ApplyProgressView.CanDrawOn(io.Out)) return await work(plain);
        var clock = Stopwatch.StartNew();
        var gate = new object();
        return await io.Out.Status().Spinner(Spinner.Known.Dots).StartAsync(Markup.Escape(title), async status =>
        {
            var latest = title;
            string Line() => Markup.Escape($"{(latest.Length > 100 ? latest[..100] + "…" : latest)}  ({clock.Elapsed:mm\\:ss})");
            // Steps come from background tasks (hosts in parallel): one writer at a time.
            void Step(string line)
            {
                lock (gate)
                {
                    io.Out.MarkupLine($"[dim]{DateTime.Now:HH:mm:ss}[/] {Markup.Escape(line)}");
                    latest = line;
                    status.Status(Line());
                }
            }
            using var tick = new Timer(_ => { lock (gate) status.Status(Line()); }, null, 1000, 1000);
            return await work(Step);
        });
    }
}
