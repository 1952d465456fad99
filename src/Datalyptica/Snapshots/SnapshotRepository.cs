using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using Datalyptica.IO;

namespace Datalyptica.Snapshots;

/// <summary>A commit of the snapshot repository: its id, when it was made, and what changed in it.</summary>
public sealed record SnapshotCommit(string Id, DateTimeOffset When, IReadOnlyList<SnapshotChange> Changes);

/// <summary>
/// The git repository snapshots are committed to (SITE/.datalyptica/snapshots by default): one commit per snapshot that
/// changed something, so `git log -p` is the history of every managed file and live setting. The folder is 0700 and
/// files are written 0600; what is written is already masked (<see cref="SnapshotCapture"/>). git runs with its
/// arguments as a list, never through a shell.
/// </summary>
public sealed class SnapshotRepository(string directory)
{
    public string Directory { get; } = Path.GetFullPath(directory);

    public static string DefaultFor(string siteDirectory) => Path.Combine(siteDirectory, ".datalyptica", "snapshots");

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateFolder = Private | UnixFileMode.UserExecute;

    public bool Exists => System.IO.Directory.Exists(Path.Combine(Directory, ".git"));

    /// <summary>Made by <see cref="InitAsync"/>: a git repository without it is someone else's, and no snapshot commits there.</summary>
    private const string Marker = ".datalyptica-snapshots";

    /// <summary>The last snapshot's commit (id and time, no files); null when nothing was committed yet.</summary>
    public async Task<SnapshotCommit?> HeadAsync(CancellationToken cancellation)
    {
        if (!Exists) return null;
        var head = await GitAsync(["log", "-1", "--format=%H%x09%cI"], cancellation, allowFailure: true);
        if (head.ExitCode != 0 || Encoding.UTF8.GetString(head.Stdout).Trim() is not { Length: > 0 } line) return null;
        var fields = line.Split('\t');
        return new SnapshotCommit(fields[0], DateTimeOffset.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), []);
    }

    /// <summary>The last snapshot: its commit and every file in it; null when nothing was committed yet.</summary>
    public async Task<(SnapshotCommit Commit, IReadOnlyDictionary<string, string> Files)?> ReadHeadAsync(CancellationToken cancellation)
    {
        if (await HeadAsync(cancellation) is not { } commit) return null;
        var archive = await GitAsync(["archive", "--format=tar", commit.Id], cancellation);
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = new TarReader(new MemoryStream(archive.Stdout));
        while (await reader.GetNextEntryAsync(copyData: true, cancellation) is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null) continue;
            using var text = new StreamReader(entry.DataStream, new UTF8Encoding(false));
            files[entry.Name] = await text.ReadToEndAsync(cancellation);
        }
        return (commit, files);
    }

    /// <summary>
    /// Writes the snapshot over what it replaces (and removes hosts and components the site no longer has), then commits.
    /// Null when nothing differs from the last snapshot (no commit is made).
    /// </summary>
    public async Task<SnapshotCommit?> CommitAsync(Snapshot snapshot, string message, CancellationToken cancellation)
    {
        await InitAsync(cancellation);
        foreach (var top in new[] { Snapshot.HostsFolder, Snapshot.LiveFolder })
        {
            var folder = Local(top);
            if (!System.IO.Directory.Exists(folder)) continue;
            foreach (var entry in System.IO.Directory.EnumerateFileSystemEntries(folder))
                if (snapshot.Obsolete(top + Path.GetFileName(entry)) || snapshot.Covers(top + Path.GetFileName(entry) + "/")) Remove(entry);
        }
        foreach (var replaced in snapshot.Replaced.Where(r => !r.EndsWith('/')))
            if (File.Exists(Local(replaced))) File.Delete(Local(replaced));
        foreach (var (path, text) in snapshot.Files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            var local = Local(path);
            EnsureFolders(Path.GetDirectoryName(local)!);
            AtomicFile.Write(local, text, Private);
        }
        // Only what a snapshot writes: a file someone else left in the folder is not committed with it. git refuses a
        // path that is neither on disk nor tracked (live/ on a site without live settings), so those are left out.
        var tracked = Encoding.UTF8.GetString((await GitAsync(["ls-files"], cancellation)).Stdout).Split('\n');
        var own = new[] { Snapshot.HostsFolder, Snapshot.LiveFolder, "README.md", Marker }
            .Where(p => Path.Exists(Local(p)) || tracked.Any(t => t == p || t.StartsWith(p, StringComparison.Ordinal))).ToList();
        await GitAsync(["add", "--all", "--", .. own], cancellation);
        var staged = Encoding.UTF8.GetString((await GitAsync(["diff", "--cached", "--name-status", "--no-renames"], cancellation)).Stdout);
        var changes = staged.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t', 2))
            .Select(p => new SnapshotChange(p[1], p[0] switch { "A" => SnapshotChangeKind.Added, "D" => SnapshotChangeKind.Removed, _ => SnapshotChangeKind.Changed }))
            .ToList();
        if (changes.Count == 0) return null;
        await GitAsync(["-c", "user.name=datalyptica", "-c", $"user.email=datalyptica@{Environment.MachineName}", "-c", "commit.gpgsign=false",
            "commit", "--quiet", "--no-verify", "-m", message], cancellation);
        var head = await HeadAsync(cancellation) ?? throw new InvalidOperationException($"git made no commit in {Directory}");
        return head with { Changes = changes };
    }

    private async Task InitAsync(CancellationToken cancellation)
    {
        if (File.Exists(Directory) || (System.IO.Directory.Exists(Directory) && !Exists && System.IO.Directory.EnumerateFileSystemEntries(Directory).Any()))
            throw new SnapshotRepositoryException($"{Directory} is not a snapshot repository (it holds other files and no .git). " +
                "Fix: name an empty or new folder with --into, or a repository an earlier snapshot made.");
        if (Exists && !File.Exists(Local(Marker)))
            throw new SnapshotRepositoryException($"{Directory} is a git repository that `datalyptica snapshot` did not make (no {Marker}); a snapshot never commits into " +
                "another repository. Fix: name a new folder with --into (push the snapshots to your remote from there).");
        if (Exists) await RequireOwnConfigAsync(cancellation);
        System.IO.Directory.CreateDirectory(Directory, PrivateFolder);
        // Masked, but still the estate's whole configuration: only its owner reads it.
        File.SetUnixFileMode(Directory, PrivateFolder);
        if (Exists) return;
        await GitAsync(["init", "--quiet", "--initial-branch=main"], cancellation);
        AtomicFile.Write(Local("README.md"), Readme, Private);
        AtomicFile.Write(Local(Marker), "This git repository holds `datalyptica snapshot` commits.\n", Private);
    }

    /// <summary>
    /// The repository's own .git/config may set only what git init writes and what pushing the snapshots needs (remote,
    /// branch, user): the folder lives in the site, which is untrusted input, and keys such as core.fsmonitor, filter
    /// drivers or core.sshCommand would run a program of its writer's choosing in the next git command.
    /// </summary>
    private async Task RequireOwnConfigAsync(CancellationToken cancellation)
    {
        var keys = Encoding.UTF8.GetString((await GitAsync(["config", "--local", "--list", "--name-only"], cancellation)).Stdout)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var foreign = keys.Where(k => !AllowedConfig.Any(a => a.EndsWith('.') ? k.StartsWith(a, StringComparison.Ordinal) && AllowedLeaf.Contains(k[(k.LastIndexOf('.') + 1)..]) : k == a)).ToList();
        if (foreign.Count > 0)
            throw new SnapshotRepositoryException($"{Directory}/.git/config sets {string.Join(", ", foreign)}, which a snapshot repository does not need " +
                "and which could make git run a program. Fix: remove them (git config --local --unset KEY), then take the snapshot again.");
    }

    private static readonly string[] AllowedConfig =
        ["core.repositoryformatversion", "core.filemode", "core.bare", "core.logallrefupdates", "user.name", "user.email", "remote.", "branch."];
    private static readonly HashSet<string> AllowedLeaf = ["url", "pushurl", "fetch", "remote", "merge"];

    /// <summary>Creates the folders below the repository, refusing one that is a symbolic link (a write must stay inside).</summary>
    private void EnsureFolders(string folder)
    {
        var relative = Path.GetRelativePath(Directory, folder);
        var current = Directory;
        foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var status = UnixFile.LinkStatus(current);
            if (status is null) { System.IO.Directory.CreateDirectory(current, PrivateFolder); continue; }
            if (status.Kind != UnixFileKind.Directory)
                throw new SnapshotRepositoryException($"{current} is a {status.Kind.ToString().ToLowerInvariant()}, not a folder; a snapshot writes only inside {Directory}. Fix: remove it.");
        }
    }

    /// <summary>Removes a file, a folder (recursively, links inside removed as links) or a link.</summary>
    private static void Remove(string path)
    {
        var status = UnixFile.LinkStatus(path);
        if (status?.Kind == UnixFileKind.Directory) System.IO.Directory.Delete(path, recursive: true);
        else if (status is not null) File.Delete(path);
    }

    /// <summary>A repository path as a local one; refuses one that would leave the repository.</summary>
    private string Local(string relative)
    {
        if (relative.Split('/').Any(p => p is ".." or ".") || relative.StartsWith('/') || relative.Contains('\0'))
            throw new ArgumentException($"not a path inside the snapshot repository: '{relative}'", nameof(relative));
        return Path.Combine(Directory, relative);
    }

    private sealed record GitResult(int ExitCode, byte[] Stdout, string Stderr);

    private async Task<GitResult> GitAsync(IReadOnlyList<string> arguments, CancellationToken cancellation, bool allowFailure = false)
    {
        var start = new ProcessStartInfo("git")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            UseShellExecute = false, WorkingDirectory = Directory,
        };
        // No hook and no file-system monitor runs, whatever the folder holds (.git/hooks is not config).
        foreach (var a in (string[])["-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", .. arguments]) start.ArgumentList.Add(a);
        start.Environment["LC_ALL"] = "C";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        // No system or user configuration decides what a snapshot commit runs (hooks, a pager, a signing program).
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        using var process = new Process { StartInfo = start };
        try { process.Start(); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SnapshotRepositoryException($"cannot run git: {e.Message}. Fix: install git on the control node (apt-get install git).");
        }
        process.StandardInput.Close();
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellation);
        var stderr = process.StandardError.ReadToEndAsync(cancellation);
        await Task.WhenAll(copy, stderr, process.WaitForExitAsync(cancellation));
        var result = new GitResult(process.ExitCode, stdout.ToArray(), await stderr);
        if (result.ExitCode != 0 && !allowFailure)
            throw new SnapshotRepositoryException($"git {Verb(arguments)} failed in {Directory} (exit {result.ExitCode}): {result.Stderr.Trim()}");
        return result;
    }

    /// <summary>The git command of an argument list (after its -c NAME=VALUE pairs), for messages.</summary>
    private static string Verb(IReadOnlyList<string> arguments)
    {
        var i = 0;
        while (i + 1 < arguments.Count && arguments[i] == "-c") i += 2;
        return arguments[i];
    }

    private const string Readme = """
        # Configuration snapshots

        Written by `datalyptica snapshot`: one commit per snapshot that changed something.

        - `hosts/HOST/PATH`: every file the site manages on HOST, as the host had it. Secrets are placeholders
          (`@@secret:vault_name@@`); any other known secret is `***`. Private keys are never stored.
        - `hosts/HOST/MANIFEST`: mode, owner:group and path of each managed file, or `absent`.
        - `live/COMPONENT/...`: settings the running component holds outside its files (Patroni's DCS configuration, what
          each Sentinel monitors, Kafka's dynamic configs).

        `git log -p` shows what changed and when; `datalyptica plan SITE --since-snapshot` compares the hosts with the last commit.

        """;
}

/// <summary>The snapshot repository cannot be used as it is (not a repository, a link inside, git failed).</summary>
public sealed class SnapshotRepositoryException(string message) : Exception(message);
