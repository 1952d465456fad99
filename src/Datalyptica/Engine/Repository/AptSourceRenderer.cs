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
    /// <summary>True for the flat offline repository ("deb [trusted=yes] URL ./"), false for a Debian mirror.</summary>
    public bool IsOfflineRepository { get; }

    private AptSource(string url, string? securityUrl, bool offline)
    {
        Url = url.EndsWith('/') ? url : url + "/";
        SecurityUrl = securityUrl is null ? null : securityUrl.EndsWith('/') ? securityUrl : securityUrl + "/";
        IsOfflineRepository = offline;
    }

    public static AptSource OfflineRepository(IPEndPoint served) => new($"http://{Endpoints.Format(served)}/", null, offline: true);

    public static AptSource Mirror(string url, string? securityUrl = null)
    {
        foreach (var u in new[] { url, securityUrl }.OfType<string>())
            if (!Uri.TryCreate(u, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || u.Any(char.IsWhiteSpace))
                throw new ArgumentException($"'{u}' is not an http(s) URL. Fix: set {MirrorUrlKey} to your Debian mirror, for example http://mirror.example/debian/.");
        return new(url, securityUrl, offline: false);
    }

    /// <summary>The site's choice: its own mirror when <c>apt_mirror_url</c> is set, else the repository the control node serves.</summary>
    public static AptSource For(Site site, IPEndPoint served)
    {
        ArgumentNullException.ThrowIfNull(site);
        return OsBaseSettings.AptMirrorUrl.Get(site) is { } mirror
            ? Mirror(mirror, OsBaseSettings.AptMirrorSecurityUrl.Get(site))
            : OfflineRepository(served);
    }

    /// <summary>
    /// The source the site configures, or null when it names none (then hosts keep whatever apt sources they have):
    /// its own mirror (<see cref="MirrorUrlKey"/>) wins over the served repository (<see cref="RepositoryListenKey"/>).
    /// </summary>
    public static AptSource? Configured(Site site)
    {
        ArgumentNullException.ThrowIfNull(site);
        if (OsBaseSettings.AptMirrorUrl.Get(site) is not null) return For(site, new IPEndPoint(IPAddress.Loopback, 0));
        return ServedEndpoint(site) is { } served ? OfflineRepository(served) : null;
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
/// The files that make a host use only one apt source, and the command that moves every other source aside.
/// <para>
/// Decision on other sources: /etc/apt/sources.list is rendered as a comment-only file (it exists on every
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
    private const string DebianKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg";

    public static IReadOnlyList<RenderedFile> Render(AptSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return
        [
            new RenderedFile(Component, ListPath, SourceList(source)),
            new RenderedFile(Component, MainSourcesList,
                $"# Managed by datalyptica: this host's only package source is {ListPath}.\n" +
                "# Other files in sources.list.d were renamed to *.disabled.\n"),
            new RenderedFile(Component, ConfigPath, AptConfig(source)),
        ];
    }

    public static string SourceList(AptSource source)
    {
        var codename = RepositoryLayout.DebianCodename;
        if (source.IsOfflineRepository)
            // trusted=yes: the repository is unsigned (see OfflineRepositoryBuilder). check-date=no: a host whose
            // clock is still behind the control node's (chrony not yet configured) must not reject the Release.
            return "# Managed by datalyptica: the offline repository served by the control node.\n" +
                   $"deb [trusted=yes check-date=no] {source.Url} ./\n";
        var lines = $"# Managed by datalyptica: the site's own Debian mirror ({AptSource.MirrorUrlKey}).\n" +
                    $"deb [signed-by={DebianKeyring}] {source.Url} {codename} main\n" +
                    $"deb [signed-by={DebianKeyring}] {source.Url} {codename}-updates main\n";
        if (source.SecurityUrl is not null)
            lines += $"deb [signed-by={DebianKeyring}] {source.SecurityUrl} {codename}-security main\n";
        return lines;
    }

    public static string AptConfig(AptSource source)
    {
        var config = "// Managed by datalyptica.\n" +
                     "// Install exactly what is asked for: Recommends pull nvme-cli and more, whose units fail in containers.\n" +
                     "APT::Install-Recommends \"false\";\n" +
                     "APT::Install-Suggests \"false\";\n" +
                     "// Ride out a busy repository or a short network fault instead of failing the apply.\n" +
                     "Acquire::Retries \"5\";\n" +
                     "Acquire::http::Timeout \"30\";\n" +
                     "Acquire::https::Timeout \"30\";\n" +
                     "Acquire::Languages \"none\";\n";
        if (source.IsOfflineRepository)
            // The repository is on the bridge or management network: never send it through a configured proxy.
            config += $"Acquire::http::Proxy::{source.Host} \"DIRECT\";\n";
        return config;
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
