using System.Diagnostics;
using Datalyptica.Components;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Engine.Transport;
using Datalyptica.Sites;
using Datalyptica.Snapshots;
using Datalyptica.Tests.Engine;
using Datalyptica.Tests.Sites;

namespace Datalyptica.Tests.Snapshots;

/// <summary>
/// `snapshot` on a development site: hosts stand in as temp roots written with exactly what apply writes (secrets
/// resolved), read through a shell as over SSH, committed with the real git.
/// </summary>
public sealed class SnapshotCaptureTests : IDisposable
{
    private readonly SiteDir _site = SiteDir.Of();
    private readonly PreparedSite _prepared;
    private readonly List<TempRoot> _roots = [];
    private readonly string _repository = Path.Combine(Path.GetTempPath(), "dl-snap-" + Guid.NewGuid().ToString("N")[..12]);

    public SnapshotCaptureTests()
    {
        var session = SiteSession.Open(new SiteOpenOptions(_site.Path) { VaultPassword = SiteDir.Password }).Session.ShouldNotBeNull();
        _prepared = PreparedSite.Prepare(session);
    }

    public void Dispose()
    {
        foreach (var root in _roots) root.Dispose();
        if (Directory.Exists(_repository)) Directory.Delete(_repository, recursive: true);
        _site.Dispose();
    }

    /// <summary>Hosts with a file that holds a secret and no role a live setting reads (those are proven on real servers).</summary>
    private IReadOnlyList<HostDesiredState> FileOnlyHosts()
    {
        var live = ComponentCatalog.All.SelectMany(c => c.LiveSettings).Select(l => l.Role).ToHashSet();
        return _prepared.Desired.Where(d => !_prepared.Site.Hosts.Single(h => h.Name == d.Host).Roles.Any(live.Contains))
            .Where(d => Files(d).Any(f => f.HasSecrets)).ToList();
    }

    private static IReadOnlyList<FileResource> Files(HostDesiredState desired) =>
        desired.Resources.Select(r => r.Resource).OfType<FileResource>().DistinctBy(f => f.Path).ToList();

    /// <summary>A temp root holding every managed file of the host as apply leaves it: secrets resolved, the declared mode.</summary>
    private TempRoot Applied(HostDesiredState desired)
    {
        var root = new TempRoot();
        _roots.Add(root);
        foreach (var file in Files(desired))
        {
            var path = root[file.Path];
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, SecretPlaceholder.Resolve(file.Content, n => _prepared.Secrets[n].Reveal()));
            File.SetUnixFileMode(path, file.Mode);
        }
        return root;
    }

    private Task<Snapshot> CaptureAsync(IEnumerable<HostDesiredState> hosts, TempRoot root, Func<string, IHostTransport>? transports = null) =>
        SnapshotCapture.CaptureAsync(_prepared, hosts.ToList(), transports ?? (name => new LocalTestTransport(name)),
            new SnapshotOptions { Root = root.Path }, CancellationToken.None);

    [Fact]
    public async Task Every_managed_file_is_stored_as_rendered_with_its_secrets_as_placeholders_and_no_secret_reaches_git()
    {
        var host = FileOnlyHosts()[0];
        var root = Applied(host);
        var snapshot = await CaptureAsync([host], root);
        snapshot.Problems.ShouldBeEmpty();
        snapshot.HostsCaptured.ShouldBe(1);

        // The host holds the resolved files; turning each secret back into its placeholder gives exactly what was rendered.
        foreach (var file in Files(host))
            snapshot.Files[$"hosts/{host.Host}{file.Path}"].ShouldBe(file.Content, $"{file.Path} as stored");
        var manifest = snapshot.Files[$"hosts/{host.Host}/MANIFEST"].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        manifest.Length.ShouldBe(Files(host).Count);
        var key = Files(host).First(f => f.Mode == Modes.Private);
        manifest.ShouldContain($"{Modes.Octal(key.Mode)} root:root {key.Path}");

        var commit = (await new SnapshotRepository(_repository).CommitAsync(snapshot, "first", CancellationToken.None)).ShouldNotBeNull();
        commit.Changes.Count.ShouldBe(Files(host).Count + 3); // + MANIFEST, README.md and the marker
        commit.Changes.ShouldAllBe(c => c.Kind == SnapshotChangeKind.Added);

        // Neither the working tree nor any object of the repository holds a secret (private keys included).
        var history = Git("log", "-p", "--all") + string.Concat(Directory.EnumerateFiles(_repository, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.git/")).Select(File.ReadAllText));
        history.ShouldContain("@@secret:");
        foreach (var (name, secret) in _prepared.Secrets.Where(s => s.Value.Reveal().Length >= 8))
            history.Contains(secret.Reveal(), StringComparison.Ordinal).ShouldBeFalse($"the value of {name} is in the snapshot repository");
        File.GetUnixFileMode(_repository).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.GetUnixFileMode(Path.Combine(_repository, "hosts", host.Host, key.Path.TrimStart('/'))).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    [Fact]
    public async Task A_second_snapshot_commits_only_what_changed_on_the_host_and_the_comparison_shows_its_diff()
    {
        var host = FileOnlyHosts()[0];
        var root = Applied(host);
        var repository = new SnapshotRepository(_repository);
        (await repository.CommitAsync(await CaptureAsync([host], root), "first", CancellationToken.None)).ShouldNotBeNull();
        (await repository.CommitAsync(await CaptureAsync([host], root), "again", CancellationToken.None)).ShouldBeNull("nothing changed, so no commit");

        var (edited, removed) = (Files(host).First(f => !f.HasSecrets && f.Kind == FileKind.Config), Files(host).Last(f => !f.HasSecrets));
        File.AppendAllText(root[edited.Path], "# edited by hand\n");
        File.Delete(root[removed.Path]);
        var now = await CaptureAsync([host], root);
        var last = (await repository.ReadHeadAsync(CancellationToken.None)).ShouldNotBeNull();

        var changes = SnapshotChange.Between(last.Files, now);
        changes.Select(c => (c.Path, c.Kind)).ShouldBe(new[]
        {
            ($"hosts/{host.Host}/MANIFEST", SnapshotChangeKind.Changed),
            ($"hosts/{host.Host}{edited.Path}", SnapshotChangeKind.Changed),
            ($"hosts/{host.Host}{removed.Path}", SnapshotChangeKind.Removed),
        }.OrderBy(c => c.Item1, StringComparer.Ordinal), ignoreOrder: false);
        changes.Single(c => c.Path.EndsWith(edited.Path, StringComparison.Ordinal)).Diff.ShouldNotBeNull().ShouldContain("+# edited by hand");
        changes.Single(c => c.Path.EndsWith("MANIFEST", StringComparison.Ordinal)).Diff.ShouldNotBeNull().ShouldContain($"+absent {removed.Path}");

        File.WriteAllText(Path.Combine(_repository, "notes.txt"), "an operator's own file: never committed by a snapshot\n");
        var commit = (await repository.CommitAsync(now, "after the edit", CancellationToken.None)).ShouldNotBeNull();
        commit.Changes.Select(c => (c.Path, c.Kind)).ShouldBe(changes.Select(c => (c.Path, c.Kind)), ignoreOrder: true);
        Git("status", "--porcelain").ShouldBe("?? notes.txt\n");
        Git("rev-list", "--count", "HEAD").Trim().ShouldBe("2");
    }

    [Fact]
    public async Task A_host_not_reached_keeps_its_last_snapshot_and_is_reported_and_hosts_the_site_lost_are_removed()
    {
        var (first, second) = (FileOnlyHosts()[0], FileOnlyHosts()[1]);
        var repository = new SnapshotRepository(_repository);
        await repository.CommitAsync(await CaptureAsync([second], Applied(second)), "second", CancellationToken.None);
        var firstRoot = Applied(first);
        var snapshot = await CaptureAsync([first, second], firstRoot,
            name => name == second.Host ? throw new TransportException(name, "connection refused") : new LocalTestTransport(name));

        snapshot.Problems.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            p => p.Where.ShouldBe(second.Host), p => p.HostMissed.ShouldBeTrue(), p => p.Message.ShouldContain("connection refused"));
        var commit = (await repository.CommitAsync(snapshot, "first", CancellationToken.None)).ShouldNotBeNull();
        commit.Changes.ShouldAllBe(c => c.Kind == SnapshotChangeKind.Added && c.Path.StartsWith($"hosts/{first.Host}/"));
        File.Exists(Path.Combine(_repository, "hosts", second.Host, "MANIFEST")).ShouldBeTrue("the host not reached keeps its last snapshot");

        // The site without the second host: its folder goes, in the next commit.
        var smaller = snapshot with { SiteHosts = snapshot.SiteHosts.Where(h => h != second.Host).ToHashSet() };
        var removal = (await repository.CommitAsync(smaller, "host removed", CancellationToken.None)).ShouldNotBeNull();
        removal.Changes.ShouldNotBeEmpty();
        removal.Changes.ShouldAllBe(c => c.Kind == SnapshotChangeKind.Removed && c.Path.StartsWith($"hosts/{second.Host}/"));
    }

    [Fact]
    public async Task The_repository_refuses_a_folder_with_other_files_a_foreign_git_repository_a_config_that_runs_programs_and_a_link_that_leads_outside()
    {
        var snapshot = new Snapshot(new Dictionary<string, string> { ["hosts/h1/etc/x.conf"] = "x\n" }, ["hosts/h1/"],
            new HashSet<string> { "h1" }, new HashSet<string>());
        Directory.CreateDirectory(_repository);
        File.WriteAllText(Path.Combine(_repository, "notes.txt"), "mine");
        (await Should.ThrowAsync<SnapshotRepositoryException>(() => new SnapshotRepository(_repository).CommitAsync(snapshot, "m", CancellationToken.None)))
            .Message.ShouldContain("is not a snapshot repository");

        // Someone else's git repository (a site folder under git): never committed into.
        Git("init", "--quiet");
        (await Should.ThrowAsync<SnapshotRepositoryException>(() => new SnapshotRepository(_repository).CommitAsync(snapshot, "m", CancellationToken.None)))
            .Message.ShouldContain("is a git repository that `datalyptica snapshot` did not make");
        Directory.Delete(Path.Combine(_repository, ".git"), recursive: true);

        File.Delete(Path.Combine(_repository, "notes.txt"));
        var repository = new SnapshotRepository(_repository);
        await repository.CommitAsync(snapshot, "m", CancellationToken.None);
        // The repository's own config may not make git run a program (the folder is in the untrusted site).
        Git("config", "core.fsmonitor", "/bin/touch /tmp/never");
        Git("config", "filter.x.clean", "/bin/true");
        (await Should.ThrowAsync<SnapshotRepositoryException>(() => repository.CommitAsync(snapshot, "m", CancellationToken.None)))
            .Message.ShouldContain(".git/config sets core.fsmonitor, filter.x.clean");
        Git("config", "--unset", "core.fsmonitor");
        Git("config", "--unset", "filter.x.clean");
        Git("remote", "add", "origin", "https://git.example.com/snapshots.git"); // pushing them elsewhere is what a remote is for
        await repository.CommitAsync(snapshot, "m", CancellationToken.None);

        var outside = Directory.CreateTempSubdirectory("dl-snap-outside-").FullName;
        try
        {
            Directory.Delete(Path.Combine(_repository, "hosts", "h1"), recursive: true);
            Directory.CreateSymbolicLink(Path.Combine(_repository, "hosts", "h2"), outside);
            var linked = snapshot with { Files = new Dictionary<string, string> { ["hosts/h2/etc/x.conf"] = "y\n" }, Replaced = [], SiteHosts = new HashSet<string> { "h1", "h2" } };
            (await Should.ThrowAsync<SnapshotRepositoryException>(() => repository.CommitAsync(linked, "m", CancellationToken.None)))
                .Message.ShouldContain("symboliclink, not a folder");
            Directory.EnumerateFileSystemEntries(outside).ShouldBeEmpty();
        }
        finally { Directory.Delete(outside, recursive: true); }
    }

    private string Git(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, WorkingDirectory = _repository };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}
