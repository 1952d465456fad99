using System.Text;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Resources;

namespace Datalyptica.Engine.Planning;

/// <summary>What an ownership record lists: a file apply wrote, a unit file or drop-in, or a unit it enabled and started.</summary>
public enum OwnedKind
{
    File,
    UnitFile,
    Unit,
}

/// <summary>One thing apply put on a host in a layer, for a component.</summary>
public sealed record OwnedEntry(Layer Layer, OwnedKind Kind, string Component, string Target)
{
    public string ResourceId => Kind == OwnedKind.Unit ? $"service:{Target}" : FileResource.IdFor(Target);

    public string Line => $"{Kind switch { OwnedKind.File => "file", OwnedKind.UnitFile => "unit-file", _ => "unit" }}\t{Component}\t{Target}";
}

/// <summary>
/// How a plan knows what to delete (Terraform's state, kept on the host it describes). At the end of each layer apply
/// writes /var/lib/datalyptica/ownership/LAYER.list on the host: every file and running unit that layer's components
/// put there. A later plan reads the records with the host's facts; whatever a record lists and the site no longer
/// wants on that host is planned as a <c>-</c> change at the start of its layer: units stopped and disabled, then files
/// deleted (systemd reloaded after a unit file), then the record of a layer the host no longer has.
/// <list type="bullet">
/// <item>Packages, installed artifacts, folders and data stay: datalyptica never deletes data (wipe or rebuild a host
/// to clear it), and a package may be shared with what the host runs for other reasons. A distribution unit a
/// component masked (postgresql under Patroni) stays masked, so it cannot start on the data by itself.</item>
/// <item>The record is written as the layer's last change, so it is updated only when everything before it in the
/// layer succeeded; until then the previous record stands, and deletions are re-planned (each is idempotent).</item>
/// <item>A record is read from the host, so it is untrusted: a line that is not a known kind, a catalog-style
/// component id and a clean absolute path under the folders datalyptica renders into (or a unit name) is ignored
/// with a warning and never deleted.</item>
/// <item>A member of a cluster that hands over, drains or must be forgotten by the others (Patroni, etcd, Kafka,
/// ZooKeeper, Redis, Trino and Spark workers, ClickHouse Keeper) does not leave by an inventory edit: while its
/// component still runs elsewhere in the site, its running unit's deletion is unavailable and names `hosts remove`.</item>
/// </list>
/// </summary>
public static class Ownership
{
    public const string Component = "datalyptica";
    public const string Folder = PlatformPaths.DataRoot + "/ownership";
    private const string Header = "# datalyptica ownership record: what apply put on this host in this layer. Plan deletes what the site no longer has here. Do not edit.";

    /// <summary>Where datalyptica renders files: a recorded path outside these is never deleted.</summary>
    public static readonly IReadOnlyList<string> DeletablePrefixes = ["/etc/", PlatformPaths.InstallRoot + "/", PlatformPaths.DataRoot + "/", "/usr/local/"];

    public static string PathFor(Layer layer) => $"{Folder}/{layer.Name()}.list";

    /// <summary>What a host's desired state owns in one layer (files but seeds, which the service owns; running units).</summary>
    public static IReadOnlyList<OwnedEntry> EntriesOf(IEnumerable<LayeredResource> resources, Layer layer) =>
        resources.Where(r => r.Layer == layer).Select(r => r.Resource switch
        {
            FileResource { Kind: FileKind.Seed } => null,
            FileResource f when f.Component != Component => new OwnedEntry(layer, f.Kind == FileKind.SystemdUnit ? OwnedKind.UnitFile : OwnedKind.File, f.Component, f.Path),
            SystemdServiceResource { State: ServiceState.Running } s => new OwnedEntry(layer, OwnedKind.Unit, s.Component, s.Unit),
            _ => null,
        }).OfType<OwnedEntry>().ToList();

    /// <summary>
    /// <paramref name="state"/> with one record file at the end of each layer where it owns something, the record folder
    /// before the first. Every host has the OS base, so the prerequisites record always exists.
    /// </summary>
    public static HostDesiredState WithRecords(HostDesiredState state)
    {
        var resources = new List<LayeredResource>();
        foreach (var layer in Layers.InOrder)
        {
            var inLayer = state.Resources.Where(r => r.Layer == layer).ToList();
            var owned = EntriesOf(inLayer, layer);
            resources.AddRange(inLayer);
            if (owned.Count == 0) continue;
            if (!resources.Any(r => r.Resource.Id == RecordFolderId))
                resources.Add(new LayeredResource(layer, new DirectoryResource(Folder, Component) { Owner = "root", Group = "root", Mode = Modes.Executable }));
            resources.Add(new LayeredResource(layer, new FileResource(PathFor(layer), Render(owned), Component)));
        }
        return state with { Resources = resources };
    }

    /// <summary>
    /// A host's whole desired state (<see cref="WithRecords"/>), not a part of it (an upgrade plans one component): only
    /// a whole state may say that something recorded is no longer wanted.
    /// </summary>
    public static bool TracksOwnership(HostDesiredState desired) => desired.Resources.Any(r => r.Resource.Id == RecordFolderId);

    private static readonly string RecordFolderId = new DirectoryResource(Folder, Component).Id;

    public static string Render(IEnumerable<OwnedEntry> entries)
    {
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var entry in entries.OrderBy(e => e.Kind).ThenBy(e => e.Target, StringComparer.Ordinal)) sb.Append(entry.Line).Append('\n');
        return sb.ToString();
    }

    /// <summary>
    /// The records a host reported (<see cref="HostFacts.Owned"/>): its entries, the layers that have a record file, and
    /// the lines refused (shown as plan warnings, never acted on).
    /// </summary>
    public static (IReadOnlyList<OwnedEntry> Entries, IReadOnlySet<Layer> Layers, IReadOnlyList<string> Refused) Read(IEnumerable<OwnedLine> lines)
    {
        var entries = new List<OwnedEntry>();
        var layers = new HashSet<Layer>();
        var refused = new List<string>();
        foreach (var line in lines)
        {
            var layer = Layers.InOrder.Cast<Layer?>().FirstOrDefault(l => l!.Value.Name() == line.Layer);
            if (layer is null) { refused.Add($"ownership record {Clip(line.Layer)}.list: not a layer"); continue; }
            layers.Add(layer.Value);
            if (line.Text is null) continue;
            if (Parse(layer.Value, line.Text) is { } entry) entries.Add(entry);
            else refused.Add($"ownership record {line.Layer}.list: ignored line '{Clip(line.Text)}'");
        }
        return (entries, layers, refused);
    }

    /// <summary>One record line, or null when it is not exactly "kind TAB component TAB target" with clean values.</summary>
    public static OwnedEntry? Parse(Layer layer, string text)
    {
        var f = text.Split('\t');
        if (f.Length != 3 || !IsComponentId(f[1])) return null;
        OwnedKind? kind = f[0] switch { "file" => OwnedKind.File, "unit-file" => OwnedKind.UnitFile, "unit" => OwnedKind.Unit, _ => null };
        return kind switch
        {
            OwnedKind.Unit when IsUnitName(f[2]) => new OwnedEntry(layer, OwnedKind.Unit, f[1], f[2]),
            OwnedKind.File or OwnedKind.UnitFile when IsDeletablePath(f[2]) && (kind != OwnedKind.UnitFile || f[2].StartsWith("/etc/systemd/system/", StringComparison.Ordinal))
                => new OwnedEntry(layer, kind.Value, f[1], f[2]),
            _ => null,
        };
    }

    public static bool IsDeletablePath(string path) =>
        path.Length < 4096 && DeletablePrefixes.Any(p => path.StartsWith(p, StringComparison.Ordinal))
        && path.All(c => char.IsAsciiLetterOrDigit(c) || "/._-@+:=".Contains(c))
        && !path.Split('/').Any(s => s is "." or "..") && !path.Contains("//") && !path.EndsWith('/');

    private static bool IsUnitName(string name) =>
        name.Length is > 0 and < 256 && name[0] != '-' && name.All(c => char.IsAsciiLetterOrDigit(c) || "-_.@:".Contains(c));

    private static bool IsComponentId(string id) => id.Length is > 0 and < 64 && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

    /// <summary>Host text as a warning may show it: at most 120 characters, every control character a '?' (no terminal escapes).</summary>
    private static string Clip(string text) =>
        new string((text.Length > 120 ? text[..120] : text).Select(c => char.IsControl(c) ? '?' : c).ToArray()) + (text.Length > 120 ? "…" : "");

    /// <summary>
    /// The facts the deletions need that the host's desired state did not ask for: recorded files and units the site no
    /// longer wants there (a second round trip, only on a host that has some).
    /// </summary>
    public static FactQuery? MissingFacts(HostDesiredState desired, HostFacts facts)
    {
        if (!TracksOwnership(desired)) return null;
        var wanted = desired.Resources.Select(r => r.Resource.Id).ToHashSet(StringComparer.Ordinal);
        var query = new FactQuery();
        var any = false;
        foreach (var entry in Read(facts.Owned).Entries.Where(e => !wanted.Contains(e.ResourceId)))
        {
            if (entry.Kind == OwnedKind.Unit && !facts.Units.ContainsKey(entry.Target)) { query.Unit(entry.Target); any = true; }
            if (entry.Kind != OwnedKind.Unit && !facts.Files.ContainsKey(entry.Target)) { query.File(entry.Target); any = true; }
        }
        return any ? query : null;
    }

    /// <summary>
    /// The <c>-</c> changes for what the host's records list and its desired state no longer has: per layer, units
    /// first, then files, then the record of a layer the host no longer has. A file or unit with no fact (planning
    /// without its facts) is planned as present: each deletion is idempotent.
    /// </summary>
    /// <param name="records">The host's records as <see cref="Read"/> read them from <paramref name="facts"/>.</param>
    public static IReadOnlyList<Change> Deletions(HostDesiredState desired, (IReadOnlyList<OwnedEntry> Entries, IReadOnlySet<Layer> Layers, IReadOnlyList<string> Refused) records,
        HostFacts facts, PlanContext context)
    {
        if (!TracksOwnership(desired)) return [];
        var (entries, layers, _) = records;
        var wanted = desired.Resources.Select(r => r.Resource.Id).ToHashSet(StringComparer.Ordinal);
        var changes = new List<Change>();
        void Add(Layer layer, string id, Change change) => changes.Add(change with { Host = desired.Host, Layer = layer, ResourceId = id });
        foreach (var layer in Layers.InOrder)
        {
            var gone = entries.Where(e => e.Layer == layer && !wanted.Contains(e.ResourceId)).DistinctBy(e => e.ResourceId).ToList();
            foreach (var entry in gone.Where(e => e.Kind == OwnedKind.Unit))
            {
                // Neither running nor enabled (gone with its files, or stopped by `hosts remove`): nothing to do.
                if (facts.Units.GetValueOrDefault(entry.Target) is { } fact && !fact.IsActive && !fact.IsEnabled) continue;
                var unit = RemoteCommand.Quote(entry.Target);
                Add(layer, entry.ResourceId, desired.DepartureGuards.GetValueOrDefault(entry.Component) is { } guard
                    ? new Change(ChangeAction.Unavailable, $"{entry.Component} left this host by an inventory edit while it runs on other hosts of the site, " +
                                                          $"and a member leaves its cluster in order. {guard}")
                    : new Change(ChangeAction.Delete, $"{entry.Component} no longer runs on this host: stop and disable {entry.Target} (its packages and data stay)")
                        { Steps = [PlanStep.Run($"if systemctl cat -- {unit} >/dev/null 2>&1; then systemctl disable --now -- {unit}; fi")] });
            }
            foreach (var entry in gone.Where(e => e.Kind != OwnedKind.Unit))
            {
                if (facts.Files.TryGetValue(entry.Target, out var fact) && !fact.Exists && !fact.NotARegularFile) continue;
                var steps = new List<PlanStep> { PlanStep.Run($"rm -f -- {RemoteCommand.Quote(context.OnHost(entry.Target))}") };
                var reason = $"{entry.Component} no longer renders it for this host: delete";
                if (entry.Kind == OwnedKind.UnitFile)
                {
                    steps.Add(PlanStep.Run("systemctl daemon-reload"));
                    // A drop-in of a unit that stays: the unit restarts (when it runs) without it.
                    if (DesiredStateBuilder.UnitNameOf(entry.Target) is { } unit && wanted.Contains($"service:{unit}"))
                    {
                        steps.Add(PlanStep.Run($"systemctl try-restart -- {RemoteCommand.Quote(unit)}"));
                        reason += $"; {unit} stays and restarts without it";
                    }
                    else reason += ", then reload systemd";
                }
                Add(layer, entry.ResourceId, new Change(ChangeAction.Delete, reason) { Steps = steps });
            }
            var record = PathFor(layer);
            if (layers.Contains(layer) && !wanted.Contains(FileResource.IdFor(record)))
                Add(layer, FileResource.IdFor(record), new Change(ChangeAction.Delete, "this host has nothing left in this layer: its ownership record goes too")
                    { Steps = [PlanStep.Run($"rm -f -- {RemoteCommand.Quote(context.OnHost(record))}")] });
        }
        return changes;
    }
}
