using System.ComponentModel;
using Datalyptica.Engine.Repository;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class RepoBuildSettings : OptionalSiteSettings
{
    [CommandOption("--out <DIR>", isRequired: true)]
    [Description("Repository folder: pool/, Packages(.gz), Release, repo.json, artifacts/. Built again in place; unchanged packages are not downloaded again.")]
    public string Out { get; init; } = "";

    [CommandOption("--all")]
    [Description("Every package any component can need, instead of those of the site's deployed components.")]
    public bool All { get; init; }

    [CommandOption("--package <NAME>")]
    [Description("An extra Debian package to include (repeatable), for example python3-apt for Ansible.")]
    public string[] Package { get; init; } = [];

    [CommandOption("--packages-only")]
    [Description("Ignore the site: build only the --package list.")]
    public bool PackagesOnly { get; init; }

    [CommandOption("--artifacts <FILE>")]
    [Description("Artifact list: one 'COMPONENT VERSION SHA512 PATH-OR-URL' per line; each is verified before it is added.")]
    public string? Artifacts { get; init; }

    [CommandOption("--artifacts-from <DIR>")]
    [Description("Copy artifacts from a folder laid out as COMPONENT/VERSION/ with a SHA512SUMS file each.")]
    public string? ArtifactsFrom { get; init; }

    public override ValidationResult Validate()
    {
        if (PackagesOnly && Package.Length == 0) return ValidationResult.Error("--packages-only needs at least one --package NAME");
        return ValidationResult.Success();
    }
}

/// <summary>`datalyptica repo build`: the offline apt repository (and artifacts) a site's hosts install from.</summary>
public sealed class RepoBuildCommand(CliIo io) : Command<RepoBuildSettings>
{
    public override int Execute(CommandContext context, RepoBuildSettings settings, CancellationToken cancellation)
    {
        IEnumerable<string> packages = settings.Package;
        string scope;
        if (settings.PackagesOnly) scope = "the listed packages";
        else if (settings.All)
        {
            packages = packages.Concat(RepositoryPackageSet.All());
            scope = "every component";
        }
        else
        {
            var loaded = Cli.LoadSite(settings);
            if (loaded.Site is null)
            {
                Cli.PrintDiagnostics(io, loaded.Diagnostics, settings.Output);
                return ExitCodes.InvalidSite;
            }
            packages = packages.Concat(RepositoryPackageSet.For(loaded.Site)).Concat(PackagePins.RepositorySpecs(loaded.Site));
            scope = $"site {loaded.Site.Name}";
        }
        var artifacts = new List<ArtifactSource>();
        if (settings.Artifacts is not null) artifacts.AddRange(ArtifactStore.ReadList(settings.Artifacts));
        if (settings.ArtifactsFrom is not null) artifacts.AddRange(ArtifactStore.ReadFolder(settings.ArtifactsFrom));

        var human = settings.Output == OutputFormat.Human;
        var request = new RepositoryBuildRequest(settings.Out, RepositoryPackageSet.Normalise(packages)) { Artifacts = artifacts };
        if (human) io.Out.MarkupLine($"building the offline repository for {Markup.Escape(scope)} ({request.Packages.Count} packages) in {Markup.Escape(settings.Out)}");
        // On a terminal, a live status line under the build's steps (LiveProgress); in a log, indented lines; none in JSON.
        var result = LiveProgress.RunAsync(io, settings.Output, "repo build", line => io.Out.MarkupLine($"  [dim]{Markup.Escape(line)}[/]"),
            step => OfflineRepositoryBuilder.BuildAsync(request, human ? step : null, cancellation)).GetAwaiter().GetResult();

        if (!human)
        {
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                directory = Path.GetFullPath(settings.Out),
                scope,
                result.NothingChanged,
                durationSeconds = Math.Round(result.Duration.TotalSeconds, 2),
                requested = result.Manifest.Requested,
                packageCount = result.Manifest.Packages.Count,
                totalBytes = result.Manifest.TotalBytes,
                downloaded = result.Downloaded.Select(p => new { p.Name, p.Version, p.Size }),
                downloadedBytes = result.DownloadedBytes,
                removed = result.Removed,
                artifactsFetched = result.ArtifactsFetched.Select(a => new { a.Component, a.Version, a.File, a.Size }),
                result.Reindexed,
                packages = result.Manifest.Packages,
                artifacts = result.Manifest.Artifacts,
            });
            return ExitCodes.Ok;
        }
        var m = result.Manifest;
        io.Out.MarkupLine(result.NothingChanged
            ? $"[green]up to date[/]: nothing downloaded, {m.Packages.Count} packages ({OfflineRepositoryBuilder.Mb(m.TotalBytes)}) already held"
            : $"[green]built[/]: {m.Packages.Count} packages and {m.Artifacts.Count} artifacts ({OfflineRepositoryBuilder.Mb(m.TotalBytes)}); " +
              $"downloaded {result.Downloaded.Count} ({OfflineRepositoryBuilder.Mb(result.DownloadedBytes)}), removed {result.Removed.Count}, " +
              $"artifacts fetched {result.ArtifactsFetched.Count}{(result.Reindexed ? ", re-indexed" : "")}");
        io.Out.MarkupLine($"  in {result.Duration.TotalSeconds:0.0} s. apply serves it, signed with the site's key, when the site sets {AptSource.RepositoryListenKey} (by hand: [bold]datalyptica repo serve {Markup.Escape(settings.Out)} --listen ADDR:PORT --site SITE[/])");
        return ExitCodes.Ok;
    }
}
