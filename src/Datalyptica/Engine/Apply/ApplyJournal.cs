using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;

namespace Datalyptica.Engine.Apply;

/// <summary>One line of the journal. Text fields are masked before they get here; no secret is ever written.</summary>
public sealed record JournalEntry(DateTimeOffset Time, string RunId, string Event)
{
    public string? Host { get; init; }
    public string? Layer { get; init; }
    public string? Resource { get; init; }
    public string? Action { get; init; }
    public string? Command { get; init; }
    public int? ExitCode { get; init; }
    public string? Stderr { get; init; }
    public string? Message { get; init; }
}

/// <summary>
/// The control node's record of every apply: one JSON-lines file per run under the site's .datalyptica/journal/.
/// Appended and flushed line by line, so a run killed half-way still shows the last change it started.
/// </summary>
public sealed class ApplyJournal : IDisposable
{
    public const string RunStarted = "run-started", RunCompleted = "run-completed", RunFailed = "run-failed", RunInterrupted = "run-interrupted",
        ChangeStarted = "change-started", ChangeDone = "change-done", ChangeFailed = "change-failed", LayerDone = "layer-done";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly object _gate = new();
    private readonly StreamWriter _writer;

    public string RunId { get; }
    public string Path { get; }

    /// <summary>Sees every entry once it is written (apply's live progress); entries hold no secret (steps are masked).</summary>
    public Action<JournalEntry>? Observer { get; set; }

    public ApplyJournal(string directory, string runId)
    {
        Directory.CreateDirectory(directory);
        RunId = runId;
        Path = System.IO.Path.Combine(directory, $"{runId}.jsonl");
        _writer = new StreamWriter(new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public void Write(string @event, Func<JournalEntry, JournalEntry>? fill = null)
    {
        var entry = new JournalEntry(DateTimeOffset.UtcNow, RunId, @event);
        if (fill is not null) entry = fill(entry);
        var line = JsonSerializer.Serialize(entry, Options);
        lock (_gate) _writer.WriteLine(line);
        Observer?.Invoke(entry);
    }

    /// <summary>
    /// Builds the serializers a run's first journal line and plan fingerprint need (System.Text.Json's first use of
    /// a type costs tens of ms), so apply can do it while it waits for SSH handshakes instead of after the plan.
    /// </summary>
    public static void WarmUp()
    {
        JsonSerializer.Serialize(new JournalEntry(DateTimeOffset.UtcNow, "warm-up", RunStarted) { Message = "" }, Options);
        PlanJson.Fingerprint(new Plan("warm-up", [new HostPlan("warm-up", [new Change(ChangeAction.Update, "warm-up")])]));
    }

    /// <summary>Run ids sort by start time (UTC to the millisecond), so journal files list in run order.</summary>
    public static string NewRunId() => $"{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff'Z'}-{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3))}";

    public void Dispose() { lock (_gate) _writer.Dispose(); }

    /// <summary>Every run in a journal folder, oldest first, with all its entries.</summary>
    public static IReadOnlyList<IReadOnlyList<JournalEntry>> ReadRuns(string directory) =>
        !Directory.Exists(directory) ? [] :
        Directory.GetFiles(directory, "*.jsonl").Order(StringComparer.Ordinal)
            .Select(f => (IReadOnlyList<JournalEntry>)File.ReadAllLines(f).Where(l => l.Length > 0)
                .Select(l => JsonSerializer.Deserialize<JournalEntry>(l, Options)!).ToList())
            .ToList();
}
