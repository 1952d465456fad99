using System.ComponentModel;
using System.Globalization;
using Datalyptica.Engine.Artifacts;
using Datalyptica.Engine.Planning;
using Datalyptica.Model;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class ArtifactsListSettings : OptionalSiteSettings;

/// <summary>fetch and import: what the site needs, and with --release a release an upgrade will move to.</summary>
public abstract class ArtifactsStoreSettings : OptionalSiteSettings
{
    [CommandOption("--release <COMPONENT=VERSION>")]
    [Description("Also store COMPONENT's release at VERSION, before `datalyptica upgrade SITE COMPONENT VERSION` (repeat for several). Only releases datalyptica has a manifest for.")]
    public string[] Releases { get; init; } = [];

    /// <summary>The --release values as components and versions (Validate refused anything else).</summary>
    public IReadOnlyList<(Contracts.ComponentDefinition Component, string Version)> ReleasesWanted() =>
        Releases.Select(r => r.Split('=', 2)).Select(p => (Components.ComponentCatalog.Get(p[0]), p[1])).ToList();

    public override ValidationResult Validate()
    {
        if (base.Validate() is { Successful: false } refused) return refused;
        foreach (var release in Releases)
        {
            var parts = release.Split('=', 2);
            if (parts.Length != 2 || parts[1].Length == 0)
                return ValidationResult.Error($"--release '{release}' is not COMPONENT=VERSION (like trino=470).");
            if (Components.ComponentCatalog.Find(parts[0]) is not { } component)
                return ValidationResult.Error($"--release '{release}': no component '{parts[0]}'.");
            if (component.Releases.All(r => r.Version != parts[1]))
                return ValidationResult.Error($"--release '{release}': datalyptica has no release manifest of {component.Id} {parts[1]}" +
                    (component.Releases.Count == 0 ? $" ({component.Id} is not installed from an upstream release)." : $"; it knows {string.Join(", ", component.Releases.Select(r => r.Version))}."));
        }
        return ValidationResult.Success();
    }
}

public sealed class ArtifactsFetchSettings : ArtifactsStoreSettings;

public sealed class ArtifactsImportSettings : ArtifactsStoreSettings
{
    [CommandOption("--from <DIR>", isRequired: true)]
    [Description("Folder with the downloaded release files, each beside the checksum file upstream publishes for it (DIR/FILE, DIR/ARTIFACT/FILE, or another site's artifacts/ folder: DIR/ARTIFACT/VERSION/FILE).")]
    public string From { get; init; } = "";
}

public sealed class ArtifactsVerifySettings : OptionalSiteSettings;

/// <summary>What the artifact verbs share: the site, its store and what it needs, and one line per artifact in both outputs.</summary>
internal static class ArtifactsCli
{
    public static (Site Site, SiteArtifactStore Store, SiteArtifactNeeds Needs)? Open(CliIo io, SiteSettings settings)
    {
        if (Load(io, settings) is not var (site, store, needs)) return null;
        return settings is ArtifactsStoreSettings { Releases.Length: > 0 } storing ? (site, store, needs.With(site, storing.ReleasesWanted())) : (site, store, needs);
    }

    private static (Site Site, SiteArtifactStore Store, SiteArtifactNeeds Needs)? Load(CliIo io, SiteSettings settings)
    {
        var loaded = Cli.LoadSite(settings);
        if (loaded.Site is null)
        {
            Cli.PrintDiagnostics(io, loaded.Diagnostics, settings.Output);
            return null;
        }
        var site = loaded.Site;
        var store = SiteArtifactStore.ForSite(site.Directory ?? settings.Site);
        var needs = SiteArtifactNeeds.For(site, ArtifactCatalog.FromSite(site).Overridden);
        return (site, store, needs);
    }

    public static string Mb(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MB");

    public static string State(StoredState state) => state.ToString().ToLowerInvariant();

    /// <summary>The label a stand-in carries in every human output (docs/ARTIFACTS.md: stand-ins are the lab's).</summary>
    public const string StandInLabel = "[yellow]stand-in[/]";

    public static object Row(SiteArtifactStore store, NeededArtifact n, StoredState? state = null)
    {
        var path = store.PathOf(n.Release);
        return new
        {
            artifact = n.Release.Artifact,
            version = n.Release.Version,
            components = n.Components,
            file = n.Release.FileName,
            size = File.Exists(path) ? new FileInfo(path).Length : (long?)null,
            approximateMb = n.Release.ApproximateMb,
            state = State(state ?? store.State(n.Release)),
            standIn = store.IsStandIn(n.Release),
            url = n.Release.Url,
            checksumUrl = n.Release.Checksum.Url,
        };
    }

    /// <summary>Components the store does not serve: the site's own datalyptica_artifacts entry, or no manifest for the version.</summary>
    /// <summary>
    /// The end of fetch and import: one outcome per needed artifact (JSON or the human summary line) and the exit code,
    /// failed when any artifact has an error.
    /// </summary>
    public static int Report(CliIo io, bool human, Site site, SiteArtifactStore store, SiteArtifactNeeds needs,
        IReadOnlyList<(NeededArtifact Need, string Outcome, string? Error)> results, string allStored, Func<int, string> someFailed)
    {
        var failed = results.Count(x => x.Error is not null);
        if (!human)
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion, site = site.Name, store = store.Directory,
                artifacts = results.Select(x => new { x.Need.Release.Artifact, x.Need.Release.Version, file = x.Need.Release.FileName, outcome = x.Outcome,
                    standIn = store.IsStandIn(x.Need.Release), error = x.Error }),
                others = Others(needs),
            });
        else
        {
            PrintOthers(io, needs);
            io.Out.MarkupLine(failed == 0 ? allStored : someFailed(failed));
        }
        return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    public static void PrintOthers(CliIo io, SiteArtifactNeeds needs)
    {
        foreach (var o in needs.Overridden)
            io.Out.MarkupLine($"  [dim]{Markup.Escape(o.Component)} {Markup.Escape(o.Version)}: from the site's own {ArtifactCatalog.SiteKey}.{Markup.Escape(o.Component)} (not the store)[/]");
        foreach (var u in needs.Unmanifested)
            io.Out.MarkupLine($"  [yellow]{Markup.Escape(u.Component)} {Markup.Escape(u.Version)}: no release manifest for this version; set {ArtifactCatalog.SiteKey}.{Markup.Escape(u.Component)} (url and sha512)[/]");
    }

    public static object Others(SiteArtifactNeeds needs) => new
    {
        overridden = needs.Overridden.Select(o => new { o.Component, o.Version }),
        unmanifested = needs.Unmanifested.Select(u => new { u.Component, u.Version }),
    };
}

/// <summary>`datalyptica artifacts list`: each release the site needs, its file, size and whether the store holds it.</summary>
public sealed class ArtifactsListCommand(CliIo io) : Command<ArtifactsListSettings>
{
    public override int Execute(CommandContext context, ArtifactsListSettings settings, CancellationToken cancellation)
    {
        if (ArtifactsCli.Open(io, settings) is not var (site, store, needs)) return ExitCodes.InvalidSite;
        if (settings.Output == OutputFormat.Json)
        {
            Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, site = site.Name, store = store.Directory,
                artifacts = needs.Needed.Select(n => ArtifactsCli.Row(store, n)), others = ArtifactsCli.Others(needs) });
            return ExitCodes.Ok;
        }
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in new[] { "Artifact", "Version", "For", "File", "Size", "State" }) table.AddColumn(column);
        foreach (var n in needs.Needed)
        {
            var path = store.PathOf(n.Release);
            var state = store.State(n.Release);
            var size = File.Exists(path) ? ArtifactsCli.Mb(new FileInfo(path).Length) : $"~{n.Release.ApproximateMb} MB";
            var color = state switch { StoredState.Verified => "green", StoredState.Stored => "default", _ => "red" };
            table.AddRow(Markup.Escape(n.Release.Artifact), Markup.Escape(n.Release.Version), Markup.Escape(string.Join(", ", n.Components)),
                Markup.Escape(n.Release.FileName), size, $"[{color}]{ArtifactsCli.State(state)}[/]{(store.IsStandIn(n.Release) ? " " + ArtifactsCli.StandInLabel : "")}");
        }
        io.Out.MarkupLine($"artifacts of site [bold]{Markup.Escape(site.Name)}[/] in {Markup.Escape(store.Directory)}");
        io.Out.Write(table);
        ArtifactsCli.PrintOthers(io, needs);
        if (needs.Needed.Any(n => store.IsStandIn(n.Release)))
            io.Out.MarkupLine($"{ArtifactsCli.StandInLabel}: the lab's release-faithful stand-in, not the release; a site that is not a lab refuses it ({Datalyptica.Diagnostics.FindingCodes.StandInOutsideLab.Code})");
        if (needs.Needed.Any(n => store.State(n.Release) == StoredState.Missing))
            io.Out.MarkupLine($"next: datalyptica artifacts fetch {Markup.Escape(settings.Site)} (or artifacts import --from DIR on an air-gapped control node)");
        return ExitCodes.Ok;
    }
}

/// <summary>`datalyptica artifacts fetch`: download each release and upstream's checksum file; store it only when they match.</summary>
public sealed class ArtifactsFetchCommand(CliIo io) : Command<ArtifactsFetchSettings>
{
    public override int Execute(CommandContext context, ArtifactsFetchSettings settings, CancellationToken cancellation)
    {
        if (ArtifactsCli.Open(io, settings) is not var (site, store, needs)) return ExitCodes.InvalidSite;
        var human = settings.Output == OutputFormat.Human;
        store.WriteManifest(needs);
        using var http = new HttpClient { Timeout = TimeSpan.FromHours(2) };
        var results = new List<(NeededArtifact Need, string Outcome, string? Error)>();
        foreach (var n in needs.Needed)
        {
            var r = n.Release;
            if (human) io.Out.MarkupLine($"{Markup.Escape(r.Artifact)} {Markup.Escape(r.Version)}: {Markup.Escape(r.FileName)} (~{r.ApproximateMb} MB) from {Markup.Escape(r.Url)}");
            Action<long, long?>? progress = human
                ? (done, total) => io.Out.MarkupLine($"  [dim]{ArtifactsCli.Mb(done)}{(total is { } t and > 0 ? $" of {ArtifactsCli.Mb(t)} ({done * 100 / t}%)" : "")}[/]")
                : null;
            try
            {
                var fetched = store.FetchAsync(r, http, progress, cancellation).GetAwaiter().GetResult();
                results.Add((n, fetched ? "fetched" : "already stored", null));
                if (human) io.Out.MarkupLine($"  [green]{(fetched ? "stored" : "already stored")}[/]{(store.IsStandIn(r) ? " " + ArtifactsCli.StandInLabel : "")}: matches {Markup.Escape(r.ChecksumFileName)} ({ChecksumFile.Name(r.Checksum.Algorithm)})");
            }
            catch (Exception e) when (e is ArtifactRefusedException or ChecksumFileException)
            {
                results.Add((n, "refused", e.Message));
                io.Error.WriteLine($"error: {e.Message}");
            }
        }
        return ArtifactsCli.Report(io, human, site, store, needs, results,
            $"[green]done[/]: {results.Count} artifacts stored and pinned in {Markup.Escape(Path.Combine(store.Directory, SiteArtifactStore.PinsFile))}",
            refused => $"[red]{refused} of {results.Count} refused[/]: nothing was stored for them");
    }
}

/// <summary>`datalyptica artifacts import`: take already-downloaded releases (air-gapped), each checked against the checksum file beside it.</summary>
public sealed class ArtifactsImportCommand(CliIo io) : Command<ArtifactsImportSettings>
{
    public override int Execute(CommandContext context, ArtifactsImportSettings settings, CancellationToken cancellation)
    {
        if (!Directory.Exists(settings.From))
        {
            io.Error.WriteLine($"error: {settings.From} is not a folder. Fix: pass the folder holding the downloaded release files and their checksum files to --from.");
            return ExitCodes.Failed;
        }
        if (ArtifactsCli.Open(io, settings) is not var (site, store, needs)) return ExitCodes.InvalidSite;
        var human = settings.Output == OutputFormat.Human;
        store.WriteManifest(needs);
        var results = new List<(NeededArtifact Need, string Outcome, string? Error)>();
        foreach (var n in needs.Needed)
        {
            var r = n.Release;
            try
            {
                if (store.ImportAsync(r, settings.From, cancellation).GetAwaiter().GetResult())
                {
                    results.Add((n, "imported", null));
                    if (human) io.Out.MarkupLine($"{Markup.Escape(r.Artifact)} {Markup.Escape(r.Version)}: [green]imported[/]{(store.IsStandIn(r) ? " " + ArtifactsCli.StandInLabel : "")} {Markup.Escape(r.FileName)}, matches {Markup.Escape(r.ChecksumFileName)}");
                }
                else if (store.State(r) != StoredState.Missing)
                {
                    results.Add((n, "already stored", null));
                    if (human) io.Out.MarkupLine($"{Markup.Escape(r.Artifact)} {Markup.Escape(r.Version)}: already stored{(store.IsStandIn(r) ? " " + ArtifactsCli.StandInLabel : "")}");
                }
                else
                {
                    var missing = $"{r.Artifact} {r.Version}: {r.FileName} is not in {settings.From} (nor in {Path.Combine(settings.From, r.Artifact)}). " +
                                  $"Fix: download {r.Url} and {r.Checksum.Url} into it";
                    results.Add((n, "missing", missing));
                    io.Error.WriteLine($"error: {missing}");
                }
            }
            catch (Exception e) when (e is ArtifactRefusedException or ChecksumFileException)
            {
                results.Add((n, "refused", e.Message));
                io.Error.WriteLine($"error: {e.Message}");
            }
        }
        return ArtifactsCli.Report(io, human, site, store, needs, results,
            "[green]done[/]: the store holds every artifact the site needs",
            failed => $"[red]{failed} of {results.Count} not stored[/] (refused or not in {Markup.Escape(settings.From)})");
    }
}

/// <summary>`datalyptica artifacts verify`: hash every stored file again against its pin; say what is changed or missing.</summary>
public sealed class ArtifactsVerifyCommand(CliIo io) : Command<ArtifactsVerifySettings>
{
    public override int Execute(CommandContext context, ArtifactsVerifySettings settings, CancellationToken cancellation)
    {
        if (ArtifactsCli.Open(io, settings) is not var (site, store, needs)) return ExitCodes.InvalidSite;
        var pinned = store.VerifyAsync(cancellation).GetAwaiter().GetResult();
        var byPath = pinned.ToDictionary(p => p.Path, StringComparer.Ordinal);
        var rows = needs.Needed.Select(n => (Need: n, State: byPath.GetValueOrDefault(SiteArtifactStore.RelativePath(n.Release))?.State ?? StoredState.Missing)).ToList();
        // Pinned files no release of the site needs any more (an older version): checked too, reported apart.
        var extra = pinned.Where(p => rows.All(r => SiteArtifactStore.RelativePath(r.Need.Release) != p.Path)).ToList();
        var bad = rows.Count(r => r.State != StoredState.Verified) + extra.Count(e => e.State != StoredState.Verified);
        if (settings.Output == OutputFormat.Json)
        {
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion, site = site.Name, store = store.Directory,
                artifacts = rows.Select(r => ArtifactsCli.Row(store, r.Need, r.State)),
                otherPinned = extra.Select(e => new { path = e.Path, state = ArtifactsCli.State(e.State), standIn = e.StandIn }),
                markersRestored = pinned.Where(p => p.MarkerRestored).Select(p => p.Path),
            });
            return bad == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        }
        foreach (var (n, state) in rows)
        {
            var color = state == StoredState.Verified ? "green" : "red";
            io.Out.MarkupLine($"{Markup.Escape(n.Release.Artifact)} {Markup.Escape(n.Release.Version)} {Markup.Escape(n.Release.FileName)}: [{color}]{ArtifactsCli.State(state)}[/]{(store.IsStandIn(n.Release) ? " " + ArtifactsCli.StandInLabel : "")}");
        }
        foreach (var e in extra)
            io.Out.MarkupLine($"{Markup.Escape(e.Path)} (pinned, not needed by the site): [{(e.State == StoredState.Verified ? "green" : "red")}]{ArtifactsCli.State(e.State)}[/]{(e.StandIn ? " " + ArtifactsCli.StandInLabel : "")}");
        foreach (var restored in pinned.Where(p => p.MarkerRestored))
            io.Out.MarkupLine($"  [yellow]{Markup.Escape(restored.Path)} is a stand-in and its {SiteArtifactStore.StandInMarker} marker was missing: written again[/]");
        foreach (var (n, state) in rows.Where(r => r.State == StoredState.Changed))
            io.Error.WriteLine($"error: {store.PathOf(n.Release)} no longer hashes to its pin in {SiteArtifactStore.PinsFile}. Fix: remove it and run datalyptica artifacts fetch (or import) again.");
        if (rows.Any(r => r.State == StoredState.Missing))
            io.Error.WriteLine($"error: {rows.Count(r => r.State == StoredState.Missing)} artifacts are not in the store. Fix: datalyptica artifacts fetch {settings.Site} (or import).");
        var standIns = pinned.Count(p => p.StandIn);
        if (bad == 0) io.Out.MarkupLine($"[green]verified[/]: {rows.Count + extra.Count} files hash to their pins{(standIns > 0 ? $", {standIns} of them {ArtifactsCli.StandInLabel}" : "")}");
        return bad == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
