using System.Text.Json;
using System.Text.Json.Nodes;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Planning;
using Datalyptica.Snapshots;

namespace Datalyptica.Cli.Commands;

/// <summary>`plan --since-snapshot`: what changed on the hosts since the last snapshot, beside what apply would change.</summary>
internal static class SinceSnapshot
{
    public sealed record Drift(SnapshotCommit Last, Snapshot Now, IReadOnlyList<SnapshotChange> Changes);

    /// <summary>Reads the hosts as `snapshot` does and compares with the repository's last commit; null (said why) when there is none.</summary>
    public static async Task<Drift?> CompareAsync(CliIo io, PreparedSite prepared, SnapshotRepository repository, IReadOnlySet<string>? only,
        Func<string, IHostTransport> transports, int parallel, CancellationToken cancellation)
    {
        var head = await repository.ReadHeadAsync(cancellation);
        if (head is not { } last)
        {
            io.Error.WriteLine($"error: --since-snapshot: {repository.Directory} holds no snapshot yet. Fix: datalyptica snapshot SITE (or name the repository: --since-snapshot DIR).");
            return null;
        }
        var now = await SnapshotCapture.CaptureAsync(prepared, prepared.DesiredOn(only), transports, new SnapshotOptions { Parallelism = parallel }, cancellation);
        foreach (var problem in now.Problems) io.Error.WriteLine($"warning: --since-snapshot: {problem.Where}: {problem.Message}");
        return new Drift(last.Commit, now, SnapshotChange.Between(last.Files, now));
    }

    public static void Show(CliIo io, Plan plan, Drift drift, OutputFormat output)
    {
        if (output == OutputFormat.Json)
        {
            var document = JsonNode.Parse(PlanJson.Write(plan))!.AsObject();
            document["sinceSnapshot"] = JsonSerializer.SerializeToNode(new
            {
                commit = drift.Last.Id, at = drift.Last.When,
                changes = drift.Changes.Select(c => new { c.Path, c.Kind, c.Diff }),
                notRead = drift.Now.Problems.Select(p => p.Where),
            }, Cli.Json);
            io.Out.Profile.Out.Writer.WriteLine(document.ToJsonString(Cli.Json));
            return;
        }
        PlanFlow.Show(io, plan, output);
        var writer = io.Out.Profile.Out.Writer;
        writer.WriteLine();
        writer.WriteLine($"Since snapshot {drift.Last.Id[..12]} ({drift.Last.When:yyyy-MM-dd HH:mm zzz}): " +
            (drift.Changes.Count == 0 ? "no managed file or live setting changed." : $"{drift.Changes.Count} change(s)"));
        foreach (var change in drift.Changes)
        {
            writer.WriteLine($"  {SnapshotCommand.Sign(change.Kind)} {change.Path}");
            if (change.Diff is { } diff)
                foreach (var line in diff.TrimEnd('\n').Split('\n')) writer.WriteLine($"      {line}");
        }
    }
}
