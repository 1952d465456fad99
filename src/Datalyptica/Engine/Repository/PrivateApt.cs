using System.Text.RegularExpressions;

namespace Datalyptica.Engine.Repository;

/// <summary>A package apt would download: where from, the archive file name, and its size.</summary>
public sealed record ResolvedPackage(string Uri, string FileName, long Size)
{
    /// <summary>name_version_arch.deb, with the epoch colon written as %3a by apt.</summary>
    public (string Name, string Version, string Architecture) Identity
    {
        get
        {
            var stem = FileName.EndsWith(".deb", StringComparison.Ordinal) ? FileName[..^4] : FileName;
            var parts = stem.Split('_');
            return parts.Length == 3
                ? (parts[0], System.Uri.UnescapeDataString(parts[1]), parts[2])
                : (stem, "", "");
        }
    }
}

/// <summary>
/// apt-get on the control node with a private state: its own lists, caches and an EMPTY dpkg status, so it
/// resolves dependencies for a bare host (everything a package needs down to libc6, not just what this machine
/// lacks), and never reads or writes this machine's /var/lib/apt, /var/cache/apt or /var/lib/dpkg (the dpkg
/// lock apt takes lives next to the status file, so that is private too). The machine's configured sources,
/// proxies and keyrings are used as they are.
/// </summary>
internal sealed partial class PrivateApt
{
    private static readonly TimeSpan UpdateTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(30);

    private readonly string _state;

    public PrivateApt(string stateDirectory)
    {
        _state = Path.GetFullPath(stateDirectory);
        Directory.CreateDirectory(Path.Combine(_state, "lists", "partial"));
        Directory.CreateDirectory(Path.Combine(_state, "cache", "archives", "partial"));
        Directory.CreateDirectory(Path.Combine(_state, "resolve", "partial"));
        // Emptied on every run: the host we resolve for has nothing installed as far as we know.
        File.WriteAllText(StatusFile, "");
    }

    private string StatusFile => Path.Combine(_state, "status");

    private IEnumerable<string> Options(string archives) =>
    [
        "-o", $"Dir::State={_state}",
        "-o", $"Dir::State::Lists={Path.Combine(_state, "lists")}",
        "-o", $"Dir::State::status={StatusFile}",
        "-o", $"Dir::Cache={Path.Combine(_state, "cache")}",
        "-o", $"Dir::Cache::archives={archives}",
        // Only the package indexes: no translations, no AppStream metadata (4.5 MB a release we never read).
        "-o", "Acquire::Languages=none",
        "-o", "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false",
        "-o", "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false",
        "-o", "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false",
        "-o", "Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false",
        "-o", "Acquire::Retries=3",
        // Recommends pull nvme-cli and more whose units fail in containers; hosts install without them too.
        "-o", "APT::Install-Recommends=false",
        "-o", "APT::Install-Suggests=false",
    ];

    /// <summary>apt-get update into the private lists; returns how many index files were fetched and how many were unchanged.</summary>
    public async Task<(int Fetched, int Unchanged)> UpdateAsync(CancellationToken cancellation)
    {
        var result = await ToolProcess.RunAsync("apt-get", [.. Options(ResolveArchives), "update"], UpdateTimeout, cancellation);
        if (!result.Succeeded || result.Stderr.Contains("W: Failed to fetch", StringComparison.Ordinal) || result.Stdout.Contains("\nErr:", StringComparison.Ordinal))
            throw new RepositoryBuildException(
                $"apt-get update (private lists in {_state}) failed with exit {result.ExitCode}: {Tail(result.Stderr + result.Stdout)}. " +
                "Fix: check this control node's apt sources (/etc/apt/sources.list.d) and its route to the mirror.");
        var lines = result.Stdout.Split('\n');
        return (lines.Count(l => l.StartsWith("Get:", StringComparison.Ordinal)), lines.Count(l => l.StartsWith("Hit:", StringComparison.Ordinal)));
    }

    private string ResolveArchives => Path.Combine(_state, "resolve");

    /// <summary>Every archive a bare host needs for these packages, resolved against an empty archive folder.</summary>
    public async Task<IReadOnlyList<ResolvedPackage>> ResolveAsync(IReadOnlyList<string> packages, CancellationToken cancellation)
    {
        var result = await ToolProcess.RunAsync("apt-get",
            [.. Options(ResolveArchives), "install", "--print-uris", "-qq", "--no-install-recommends", "--", .. packages],
            UpdateTimeout, cancellation);
        if (!result.Succeeded)
        {
            var missing = UnknownPackage().Matches(result.Stderr).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToList();
            var fix = VersionNotFound().Match(result.Stderr) is { Success: true } v
                ? $"Fix: {v.Groups[2].Value} {v.Groups[1].Value} is not in this control node's apt sources (`apt-cache madison {v.Groups[2].Value}` lists the versions they hold); correct the pin ({PackagePins.SiteKey})."
                : missing.Count > 0
                ? $"Fix: correct the package name ({string.Join(", ", missing)}) in the component's DebianPackages, or add the source that provides it to this control node's apt sources."
                : "Fix: read apt's message above; the package set cannot be installed together on Debian 12.";
            throw new RepositoryBuildException($"apt cannot resolve {string.Join(' ', packages)}: {Tail(result.Stderr)}. {fix}");
        }
        var resolved = new List<ResolvedPackage>();
        foreach (var line in result.Stdout.Split('\n'))
        {
            var m = PrintUriLine().Match(line);
            if (m.Success) resolved.Add(new ResolvedPackage(m.Groups[1].Value, m.Groups[2].Value, long.Parse(m.Groups[3].Value)));
        }
        return resolved;
    }

    /// <summary>Every version of a package the private lists hold (apt-cache madison), newest first; empty when none.</summary>
    public async Task<IReadOnlyList<string>> VersionsAsync(string package, CancellationToken cancellation)
    {
        var result = await ToolProcess.RunAsync("apt-cache", [.. Options(ResolveArchives), "madison", "--", package], UpdateTimeout, cancellation);
        // " postgresql-15 | 15.20-0+deb12u1 | http://deb.debian.org/debian-security bookworm-security/main amd64 Packages"
        return result.Stdout.Split('\n').Select(l => l.Split('|', StringSplitOptions.TrimEntries)).Where(p => p.Length == 3 && p[0] == package)
            .Select(p => p[1]).Distinct(StringComparer.Ordinal).OrderByDescending(v => v, DebianVersion.Comparer).ToList();
    }

    /// <summary>Downloads into <paramref name="archives"/>; apt skips files already there whose hash matches its index.</summary>
    public async Task DownloadAsync(IReadOnlyList<string> packages, string archives, Action<string>? progress, CancellationToken cancellation)
    {
        Directory.CreateDirectory(Path.Combine(archives, "partial"));
        var result = await ToolProcess.RunAsync("apt-get",
            [.. Options(archives), "install", "--download-only", "-y", "-q", "--no-install-recommends", "--", .. packages],
            DownloadTimeout, cancellation,
            onStdoutLine: line => { if (line.StartsWith("Get:", StringComparison.Ordinal)) progress?.Invoke(line); });
        if (!result.Succeeded)
            throw new RepositoryBuildException(
                $"apt-get --download-only failed with exit {result.ExitCode}: {Tail(result.Stderr)}. Fix: check the route to the mirror and free space in {archives}.");
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(" | ", lines.TakeLast(5));
    }

    // 'http://deb.debian.org/debian/pool/main/c/chrony/chrony_4.3-2+deb12u1_amd64.deb' chrony_4.3-2+deb12u1_amd64.deb 293432 MD5Sum:...
    [GeneratedRegex(@"^'([^']+)' (\S+\.deb) (\d+)")]
    private static partial Regex PrintUriLine();

    [GeneratedRegex(@"Version '([^']+)' for '([^']+)' was not found")]
    private static partial Regex VersionNotFound();

    [GeneratedRegex(@"E: Unable to locate package (\S+)|Package '?([^' ]+)'? has no installation candidate")]
    private static partial Regex UnknownPackage();
}

/// <summary>A repository build step failed; the message names the step, what apt or the check said, and the fix.</summary>
public sealed class RepositoryBuildException(string message, Exception? inner = null) : Exception(message, inner);
