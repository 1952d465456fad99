using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace Datalyptica.Lab;

/// <summary>
/// The host-neutral Debian base image every lab host overlays: debootstrap minbase plus <see cref="Packages"/>,
/// built once and cached under images/SUITE-HASH (the hash covers suite, packages and the neutralising steps).
/// </summary>
public static class LabImage
{
    public static readonly IReadOnlyList<string> Packages = ["systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2", "python3", "apt-utils"];

    /// <summary>Bump when the steps that make the image host-neutral change, so old caches are not reused.</summary>
    private const int Recipe = 1;
    private const string CompleteMarker = ".datalyptica-image-complete";

    public static string Key(string suite) =>
        $"{suite}-{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{suite}|{string.Join(',', Packages)}|{Recipe}")))[..12].ToLowerInvariant()}";

    public static string PathFor(LabOptions options) => Path.Combine(options.ImagesDirectory, Key(options.Suite));

    public static bool IsCached(LabOptions options) => File.Exists(Path.Combine(PathFor(options), CompleteMarker));

    /// <summary>The first deb URI of the machine's apt sources (deb822 or one-line), else deb.debian.org.</summary>
    public static string Mirror()
    {
        const string fallback = "http://deb.debian.org/debian";
        foreach (var file in new[] { "/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list" })
        {
            if (!File.Exists(file)) continue;
            foreach (var raw in File.ReadAllLines(file))
            {
                var line = raw.Trim();
                if (line.StartsWith("URIs:", StringComparison.OrdinalIgnoreCase))
                {
                    var uri = line[5..].Trim().Split(' ')[0];
                    if (!uri.Contains("security", StringComparison.Ordinal)) return uri;
                }
                else if (line.StartsWith("deb ", StringComparison.Ordinal))
                {
                    var uri = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(p => p.StartsWith("http", StringComparison.Ordinal));
                    if (uri is not null && !uri.Contains("security", StringComparison.Ordinal)) return uri;
                }
            }
        }
        return fallback;
    }

    /// <summary>Returns the image path, building it when not cached; <paramref name="built"/> is the build time, null when cached.</summary>
    public static async Task<(string Path, TimeSpan? Built)> EnsureAsync(LabOptions options, Action<string> log, CancellationToken cancellation)
    {
        var path = PathFor(options);
        if (IsCached(options)) return (path, null);
        Directory.CreateDirectory(options.ImagesDirectory);
        var building = path + ".building";
        if (Directory.Exists(building)) Directory.Delete(building, recursive: true); // a build that was interrupted
        var clock = Stopwatch.StartNew();
        var mirror = Mirror();
        log($"building the base image {Path.GetFileName(path)} (debootstrap {options.Suite} from {mirror}; about a minute, once)");
        await LabSystem.RunCheckedAsync("debootstrap",
            ["--variant=minbase", $"--include={string.Join(',', Packages)}", options.Suite, building, mirror],
            cancellation, TimeSpan.FromMinutes(20));
        await NeutraliseAsync(building, cancellation);
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        Directory.Move(building, path);
        File.WriteAllText(Path.Combine(path, CompleteMarker), $"{DateTimeOffset.UtcNow:O}\n");
        return (path, clock.Elapsed);
    }

    /// <summary>Removes what debootstrap made host-specific and enables systemd-networkd.</summary>
    private static async Task NeutraliseAsync(string root, CancellationToken cancellation)
    {
        string P(string relative) => Path.Combine(root, relative);
        File.WriteAllText(P("etc/machine-id"), ""); // empty: systemd treats the first boot as such and each host gets its own id
        if (File.Exists(P("var/lib/dbus/machine-id")) && new FileInfo(P("var/lib/dbus/machine-id")).LinkTarget is null)
            File.Delete(P("var/lib/dbus/machine-id"));
        foreach (var key in Directory.EnumerateFiles(P("etc/ssh"), "ssh_host_*")) File.Delete(key);
        // debootstrap copies the control machine's identity and resolver; hosts get their own.
        File.WriteAllText(P("etc/hostname"), "localhost\n");
        File.WriteAllText(P("etc/hosts"), "127.0.0.1\tlocalhost\n");
        if (File.Exists(P("etc/resolv.conf")) || new FileInfo(P("etc/resolv.conf")).LinkTarget is not null) File.Delete(P("etc/resolv.conf"));
        File.WriteAllText(P("etc/resolv.conf"), LabHostFiles.ResolvConf());
        await LabSystem.RunCheckedAsync("systemctl", ["--root", root, "enable", "systemd-networkd.service", "ssh.service"], cancellation);
        // apt caches are not needed in every overlay.
        foreach (var deb in Directory.EnumerateFiles(P("var/cache/apt/archives"), "*.deb")) File.Delete(deb);
    }
}
