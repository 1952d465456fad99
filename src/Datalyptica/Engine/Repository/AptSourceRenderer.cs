using System.Net;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Engine.Repository;

/// <summary>Where a host gets its packages: the offline repository served by the control node, or the user's own Debian mirror.</summary>
public sealed record AptSource
{
    /// <summary>Site variable: the URL of the user's own Debian mirror; when set, hosts use it instead of the served repository.</summary>
    public const string MirrorUrlKey = "apt_mirror_url";
    /// <summary>Site variable: the mirror of Debian's security archive (bookworm-security), optional next to <see cref="MirrorUrlKey"/>.</summary>
    public const string MirrorSecurityUrlKey = "apt_mirror_security_url";

    /// <summary>
    /// Site variable: ADDR:PORT the control node serves the offline repository on while apply runs (the lab bridge
    /// address, or the control node's address on the management network). Fixed in the site, not picked at apply
    /// time, because the URL is part of each host's rendered apt source and so of the plan.
    /// </summary>
    public const string RepositoryListenKey = "apt_repository_listen";
    /// <summary>Site variable: the control-node folder (`repo build --out DIR`) apply serves; `apply --repository DIR` overrides it.</summary>
    public const string RepositoryDirKey = "apt_repository_dir";

    public string Url { get; }
    public string? SecurityUrl { get; }
    /// <summary>True for the flat offline repository the control node serves, false for a Debian mirror.</summary>
    public bool IsOfflineRepository { get; }
    /// <summary>The offline repository's OpenPGP public key (armoured), which hosts verify its Release with; null for a mirror.</summary>
    public string? SigningKey { get; }

    private AptSource(string url, string? securityUrl, bool offline, string? signingKey)
    {
        Url = url.EndsWith('/') ? url : url + "/";
        SecurityUrl = securityUrl is null ? null : securityUrl.EndsWith('/') ? securityUrl : securityUrl + "/";
        IsOfflineRepository = offline;
        SigningKey = signingKey;
    }

    /// <summary>The repository the control node serves, signed with the site's key (<see cref="Site.RepositoryKey"/>).</summary>
    public static AptSource OfflineRepository(IPEndPoint served, string? signingKey) =>
        new($"http://{Endpoints.Format(served)}/", null, offline: true, signingKey);

    public static AptSource Mirror(string url, string? securityUrl = null)
    {
        foreach (var u in new[] { url, securityUrl }.OfType<string>())
            if (!Uri.TryCreate(u, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || u.Any(char.IsWhiteSpace))
                throw new ArgumentException($"'{u}' is not an http(s) URL. Fix: set {MirrorUrlKey} to your Debian mirror, for example http://mirror.example/debian/.");
        return new(url, securityUrl, offline: false, signingKey: null);
    }

    /// <summary>The site's choice: its own mirror when <c>apt_mirror_url</c> is set, else the repository the control node serves.</summary>
    public static AptSource For(Site site, IPEndPoint served)
    {
        ArgumentNullException.ThrowIfNull(site);
        return OsBaseSettings.AptMirrorUrl.Get(site) is { } mirror
            ? Mirror(mirror, OsBaseSettings.AptMirrorSecurityUrl.Get(site))
            : OfflineRepository(served, site.RepositoryKey);
    }

    /// <summary>
    /// The source the site configures, or null when it names none (then hosts keep whatever apt sources they have):
    /// its own mirror (<see cref="MirrorUrlKey"/>) wins over the served repository (<see cref="RepositoryListenKey"/>).
    /// </summary>
    public static AptSource? Configured(Site site)
    {
        ArgumentNullException.ThrowIfNull(site);
        if (OsBaseSettings.AptMirrorUrl.Get(site) is not null) return For(site, new IPEndPoint(IPAddress.Loopback, 0));
        return ServedEndpoint(site) is { } served ? OfflineRepository(served, site.RepositoryKey) : null;
    }

    /// <summary>Where apply serves the offline repository for this site, or null when the site uses a mirror or names none.</summary>
    public static IPEndPoint? ServedEndpoint(Site site)
    {
        ArgumentNullException.ThrowIfNull(site);
        if (OsBaseSettings.AptMirrorUrl.Get(site) is not null) return null;
        // Get returns only a value its declaration accepts (one ParseEndpoint takes); validate refused any other.
        return OsBaseSettings.AptRepositoryListen.Get(site) is { } listen ? Endpoints.Parse(listen) : null;
    }

    /// <summary>The host part of the URL, for the proxy exception.</summary>
    public string Host => new Uri(Url).Host;
}

/// <summary>
/// The offline repository as a host sees it while one package install runs, and only then: a source list naming the
/// served URL with <c>signed-by=</c> the site's key, the key itself, and private apt lists, all under
/// <see cref="Directory"/> (a tmpfs folder), handed to apt-get with <see cref="Options"/> instead of /etc/apt. Nothing of
/// it stays on the host but an empty lock file next to it: <see cref="Cleanup"/> removes it when the install ends, and a
/// reboot would too. The host's own
/// sources, lists and caches are neither read nor changed.
/// </summary>
public sealed record TransientAptSource(string Directory, RemoteCommand Prepare, IReadOnlyList<string> Options, RemoteCommand Cleanup)
{
    /// <summary>The options as one shell fragment (each quoted), for apt-get's command line.</summary>
    public string OptionsText => string.Join(' ', Options.Select(RemoteCommand.Quote));
}

/// <summary>
/// How a host reaches its packages, in one of two ways:
/// <list type="bullet">
/// <item>The offline repository the control node serves while apply runs: never written into /etc/apt. Each package
/// install brings its own transient source (<see cref="Transient"/>): the Release is checked against the site's
/// OpenPGP key and its dates (Date and Valid-Until, apt's default check), and the source is gone when the install
/// ends. A host left with the source of an older datalyptica (a <c>trusted=yes</c> list in sources.list.d) has it
/// removed (<see cref="LegacyOfflineFiles"/>).</item>
/// <item>The site's own permanent Debian mirror (<see cref="AptSource.MirrorUrlKey"/>): rendered into /etc/apt as the
/// host's only source, signed by Debian's archive keyring.</item>
/// </list>
/// <para>
/// Decision on other sources (mirror only): /etc/apt/sources.list is rendered as a comment-only file (it exists on every
/// Debian host, so the plan shows exactly which lines go). Everything else in sources.list.d (debian.sources on
/// a Debian 12 host, plus whatever a user or image added) cannot be known in advance, so it is renamed to
/// NAME.disabled, not deleted: apt ignores that suffix silently (Dir::Ignore-Files-Silently) and undoing it is
/// one mv. Order matters: write our list and config first, then move the others aside, then apt-get update, so
/// no moment exists where the host has no source at all.
/// </para>
/// </summary>
public static class AptSourceRenderer
{
    public const string Component = "apt";
    public const string SourcesListDirectory = "/etc/apt/sources.list.d";
    public const string ListPath = SourcesListDirectory + "/datalyptica.list";
    public const string MainSourcesList = "/etc/apt/sources.list";
    public const string ConfigPath = "/etc/apt/apt.conf.d/80datalyptica";
    public const string DisabledSuffix = ".disabled";
    /// <summary>Where a package install keeps the offline repository's source while it runs (tmpfs, root only writes it).</summary>
    public const string TransientDirectory = "/run/datalyptica-apt";
    private const string DebianKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

    /// <summary>What an older datalyptica left for the offline repository and this one removes: list and apt config.</summary>
    public static readonly IReadOnlyList<string> LegacyOfflineFiles = [ListPath, ConfigPath];

    /// <summary>The files of a permanent mirror source: the host's only apt source from now on.</summary>
    public static IReadOnlyList<RenderedFile> Render(AptSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.IsOfflineRepository)
            throw new ArgumentException("the offline repository is never written into /etc/apt; use Transient", nameof(source));
        return
        [
            new RenderedFile(Component, ListPath, SourceList(source)),
            new RenderedFile(Component, MainSourcesList,
                $"# Managed by datalyptica: this host's only package source is {ListPath}.\n" +
                "# Other files in sources.list.d were renamed to *.disabled.\n"),
            new RenderedFile(Component, ConfigPath, AptConfig()),
        ];
    }

    public static string SourceList(AptSource source)
    {
        var codename = RepositoryLayout.DebianCodename;
        var lines = $"# Managed by datalyptica: the site's own Debian mirror ({AptSource.MirrorUrlKey}).\n" +
                    $"deb [signed-by={DebianKeyring}] {source.Url} {codename} main\n" +
                    $"deb [signed-by={DebianKeyring}] {source.Url} {codename}-updates main\n";
        if (source.SecurityUrl is not null)
            lines += $"deb [signed-by={DebianKeyring}] {source.SecurityUrl} {codename}-security main\n";
        return lines;
    }

    public static string AptConfig() =>
        "// Managed by datalyptica.\n" +
        "// Install exactly what is asked for: Recommends pull nvme-cli and more, whose units fail in containers.\n" +
        "APT::Install-Recommends \"false\";\n" +
        "APT::Install-Suggests \"false\";\n" +
        "// Ride out a busy repository or a short network fault instead of failing the apply.\n" +
        "Acquire::Retries \"5\";\n" +
        "Acquire::http::Timeout \"30\";\n" +
        "Acquire::https::Timeout \"30\";\n" +
        "Acquire::Languages \"none\";\n";

    public const string MissingSigningKey =
        "the site serves an offline repository but has no signing key yet. Fix: run plan or apply with the site's vault " +
        "password; it makes SITE/pki/repository-key.asc once.";

    /// <summary>
    /// The offline repository for one package install (<see cref="TransientAptSource"/>). Refused without the site's
    /// signing key: an unsigned source would need trusted=yes, which lets anyone who can answer in the repository's place
    /// on the network install packages as root.
    /// </summary>
    public static TransientAptSource Transient(AptSource source, string directory = TransientDirectory)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.IsOfflineRepository) throw new ArgumentException("only the offline repository is transient", nameof(source));
        if (source.SigningKey is null) throw new InvalidOperationException(MissingSigningKey);
        var list = directory + "/sources.list";
        var key = directory + "/repository.asc";
        var parts = directory + "/sources.list.d";
        var lists = directory + "/lists";
        // One install at a time per host: an apply killed mid-install leaves its apt-get and then its cleanup running on
        // the host (found by the lab faults test), which would delete this install's source under it. The lock is held
        // until this shell exits, after its own cleanup. Readable by apt's unprivileged _apt user, which fetches and
        // verifies; written only by root.
        var prepare = RemoteCommand.Shell("exec 9>").Arg(directory + ".lock").Then(" && flock -w 600 9")
            .Then(" && rm -rf").Arg(directory)
            .Then(" && install -d -m 0755").Arg(directory).Arg(parts).Arg(lists).Arg(lists + "/partial")
            .Then(" && printf '%s'").Arg($"deb [signed-by={key}] {source.Url} ./\n").Then(" >").Arg(list)
            .Then(" && printf '%s'").Arg(source.SigningKey).Then(" >").Arg(key)
            .Then(" && chmod 0644").Arg(list).Arg(key);
        List<string> options =
        [
            "-o", $"Dir::Etc::SourceList={list}",
            "-o", $"Dir::Etc::SourceParts={parts}",
            "-o", $"Dir::State::Lists={lists}",
            // The host's package caches describe its own sources; this install's view must not replace them.
            "-o", "Dir::Cache::pkgcache=",
            "-o", "Dir::Cache::srcpkgcache=",
            // Ride out a busy repository or a short network fault instead of failing the apply.
            "-o", "Acquire::Retries=5",
            "-o", "Acquire::http::Timeout=30",
            "-o", "Acquire::Languages=none",
            // The repository is on the bridge or management network: never send it through a configured proxy.
            "-o", $"Acquire::http::Proxy::{source.Host}=DIRECT",
        ];
        return new TransientAptSource(directory, prepare, options, RemoteCommand.Shell("rm -rf").Arg(directory));
    }
    /// <summary>Renames every other source file in <paramref name="directory"/> to NAME.disabled (idempotent).</summary>
    public static RemoteCommand DisableOtherSources(string directory = SourcesListDirectory) =>
        RemoteCommand.Shell("cd").Arg(directory)
            .Then(" && for f in *.list *.sources; do [ -e \"$f\" ] || continue; [ \"$f\" = ")
            .Arg(Path.GetFileName(ListPath))
            .Then(" ] && continue; mv -f -- \"$f\" \"$f" + DisabledSuffix + "\" || exit 1; done");

    /// <summary>Guard for <see cref="DisableOtherSources"/>: exits 0 when another source file is still active, 1 when none is.</summary>
    public static RemoteCommand OtherSourcesActive(string directory = SourcesListDirectory) =>
        RemoteCommand.Shell("cd").Arg(directory)
            .Then(" 2>/dev/null || exit 1; for f in *.list *.sources; do [ -e \"$f\" ] && [ \"$f\" != ")
            .Arg(Path.GetFileName(ListPath))
            .Then(" ] && exit 0; done; exit 1");
}
