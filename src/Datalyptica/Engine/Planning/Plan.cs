using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Datalyptica.Engine.Resources;

namespace Datalyptica.Engine.Planning;

/// <summary>One host's part of a plan: its changes in apply order, how many resources need nothing, and fact warnings.</summary>
public sealed record HostPlan(string Host, IReadOnlyList<Change> Changes)
{
    public int Unchanged { get; init; }
    public string? Os { get; init; }
    public string? Container { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Changes apply would carry out (not "not applicable here").</summary>
    [JsonIgnore]
    public IEnumerable<Change> Pending => Changes.Where(c => c.Action != ChangeAction.NotApplicable);
}

/// <summary>
/// The plan is plain data (Terraform's contract): apply consumes only this, never re-reads the site. Serialized as
/// versioned JSON; readers check <see cref="FormatVersion"/> first. It holds no secret value by construction (files
/// keep placeholders; diffs show placeholders; host content is masked before diffing).
/// </summary>
public sealed record Plan(string Site, IReadOnlyList<HostPlan> Hosts)
{
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;
    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
    /// <summary>Path prefix on hosts ("" for real hosts). Kept so a plan made for a test root is applied to it.</summary>
    public string Root { get; init; } = "";
    /// <summary>HMAC-SHA256 over the rest of the plan, keyed from the vault password and the site (<see cref="PlanSeal"/>); set by `plan --out`.</summary>
    public string? Mac { get; init; }

    [JsonIgnore]
    public int PendingCount => Hosts.Sum(h => h.Pending.Count());

    [JsonIgnore]
    public bool HasUnavailable => Hosts.Any(h => h.Changes.Any(c => c.Action == ChangeAction.Unavailable));

    /// <summary>This plan with only <paramref name="layer"/>'s changes (what `apply --layer` shows and applies).</summary>
    public Plan OnlyLayer(Layer layer) =>
        this with { Hosts = Hosts.Select(h => h with { Changes = h.Changes.Where(c => c.Layer == layer).ToList() }).ToList() };
}

/// <summary>What one layer of a plan adds, changes, destroys and restarts, on how many hosts.</summary>
public sealed record LayerSummary(string Layer, int Add, int Change, int Destroy, int Restart, int Unavailable, int Hosts);

/// <summary>A plan in numbers (Terraform's "Plan: X to add, ..."), per layer: what `plan` keeps for `report`.</summary>
public sealed record PlanSummary(int Pending, int HostsChanged, int Hosts, IReadOnlyList<LayerSummary> ByLayer)
{
    public static PlanSummary Of(Plan plan) => new(plan.PendingCount, plan.Hosts.Count(h => h.Pending.Any()), plan.Hosts.Count,
        Layers.InOrder.Select(layer =>
        {
            var pending = plan.Hosts.SelectMany(h => h.Pending.Where(c => c.Layer == layer).Select(c => (h.Host, c.Action))).ToList();
            int Of(ChangeAction a) => pending.Count(p => p.Action == a);
            return new LayerSummary(layer.Name(), Of(ChangeAction.Create), Of(ChangeAction.Update), Of(ChangeAction.Delete), Of(ChangeAction.Restart),
                Of(ChangeAction.Unavailable), pending.Select(p => p.Host).Distinct().Count());
        }).Where(l => l.Hosts > 0).ToList());

    /// <summary>The whole plan's counts (every layer's summed), for "Plan: ..." (hosts: those with a pending change).</summary>
    [JsonIgnore]
    public LayerSummary Total => new("all", ByLayer.Sum(l => l.Add), ByLayer.Sum(l => l.Change), ByLayer.Sum(l => l.Destroy),
        ByLayer.Sum(l => l.Restart), ByLayer.Sum(l => l.Unavailable), HostsChanged);
}

public static class PlanJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Write(Plan plan) => JsonSerializer.Serialize(plan, Options);

    /// <summary>Reads a saved plan, refusing one written in another format version.</summary>
    public static Plan Read(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var version = doc.RootElement.TryGetProperty("formatVersion", out var v) && v.TryGetInt32(out var n) ? n : 0;
        if (version != Plan.CurrentFormatVersion)
            throw new InvalidDataException($"plan format version {version} is not {Plan.CurrentFormatVersion}. Fix: run `datalyptica plan` again with this version of the tool.");
        return JsonSerializer.Deserialize<Plan>(json, Options) ?? throw new InvalidDataException("empty plan");
    }

    /// <summary>A short fingerprint of a plan for journals and audit records.</summary>
    public static string Fingerprint(Plan plan) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(plan with { CreatedAt = default, Mac = null }, Options))))[..16];
}

/// <summary>
/// The human view of a plan: per host and layer, one line per change with its glyph and reason, then diffs; then what it
/// adds, changes, destroys and restarts per layer and in all (Terraform's "Plan: X to add, Y to change, Z to destroy").
/// </summary>
public static class PlanHumanView
{
    /// <param name="color">ANSI colours (a terminal): + green, ~ yellow, - red, ! cyan, diff lines alike.</param>
    public static string Render(Plan plan, bool showDiffs = true, bool color = false)
    {
        string Paint(string text, string? sgr) => color && sgr is not null ? $"\u001b[{sgr}m{text}\u001b[0m" : text;
        var sb = new StringBuilder();
        foreach (var host in plan.Hosts.Where(h => h.Changes.Count > 0))
        {
            sb.Append(Paint(host.Host, "1")).Append($"{(host.Os is null ? "" : $" ({host.Os}{(host.Container is null ? "" : ", container " + host.Container)})")}\n");
            foreach (var layer in host.Changes.GroupBy(c => c.Layer))
            {
                sb.Append($"  {layer.Key.Name()}\n");
                foreach (var change in layer)
                {
                    sb.Append("    ").Append(Paint($"{change.Action.Glyph()} {change.ResourceId}", ActionColor(change.Action)))
                        .Append($"  {change.Reason}{(change.Sensitive ? "  (sensitive)" : "")}\n");
                    if (showDiffs && change.Diff is { Length: > 0 } diff)
                        foreach (var line in diff.TrimEnd('\n').Split('\n')) sb.Append("        ").Append(Paint(line, DiffColor(line))).Append('\n');
                }
            }
            // Warnings quote what a host sent: control characters never reach the terminal.
            foreach (var warning in host.Warnings) sb.Append("  warning: ").Append(warning.Select(c => char.IsControl(c) ? '?' : c).ToArray()).Append('\n');
        }
        if (plan.PendingCount > 0)
        {
            sb.Append("By layer:\n");
            var summary = PlanSummary.Of(plan);
            foreach (var layer in summary.ByLayer) sb.Append($"  {layer.Layer,-14} {Counts(layer)}, on {layer.Hosts} host(s)\n");
            sb.Append(Paint($"Plan: {Counts(summary.Total)}.", "1")).Append('\n');
        }
        var changedHosts = plan.Hosts.Count(h => h.Pending.Any());
        var na = plan.Hosts.Sum(h => h.Changes.Count(c => c.Action == ChangeAction.NotApplicable));
        var unavailable = plan.Hosts.Sum(h => h.Changes.Count(c => c.Action == ChangeAction.Unavailable));
        sb.Append($"Plan for {plan.Site}: {plan.PendingCount} change(s) on {changedHosts} of {plan.Hosts.Count} host(s), " +
                  $"{plan.Hosts.Sum(h => h.Unchanged)} resource(s) unchanged, {na} not applicable here");
        if (unavailable > 0) sb.Append(Paint($", {unavailable} UNAVAILABLE (apply stops at their layer; see the reasons above)", "1;31"));
        sb.Append(".\n");
        return sb.ToString();
    }

    /// <summary>"3 to add, 1 to change, 0 to destroy, 2 to restart" (and how many are unavailable, when any).</summary>
    private static string Counts(LayerSummary counts)
    {
        var text = $"{counts.Add} to add, {counts.Change} to change, {counts.Destroy} to destroy, {counts.Restart} to restart";
        return counts.Unavailable > 0 ? $"{text}, {counts.Unavailable} unavailable" : text;
    }

    private static string? ActionColor(ChangeAction action) => action switch
    {
        ChangeAction.Create => "32",
        ChangeAction.Update => "33",
        ChangeAction.Delete => "31",
        ChangeAction.Restart => "36",
        ChangeAction.Unavailable => "1;31",
        _ => "2",
    };

    private static string? DiffColor(string line) =>
        line.StartsWith("+++") || line.StartsWith("---") ? "1"
        : line.StartsWith('+') ? "32" : line.StartsWith('-') ? "31" : line.StartsWith("@@") ? "36" : null;
}
