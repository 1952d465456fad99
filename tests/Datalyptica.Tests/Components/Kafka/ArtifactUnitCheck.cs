using System.Net;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Kafka;

/// <summary>
/// Helpers for the artifact-installed components (Kafka, Schema Registry, Spark, Flink, Trino, Nessie). None of them can
/// be installed on this machine (no package source: no release archive in Debian, NuGet or npm), so their tests parse the rendered files back and
/// check cross-references; the one real validator that applies is systemd-analyze verify on their units.
/// </summary>
internal static class ArtifactUnitCheck
{
    /// <summary>
    /// Runs the real <c>systemd-analyze verify</c> on units. The artifacts are not installed here, so every Exec* binary
    /// that does not exist is replaced by an executable stub under a temp root and the unit's path is rewritten to it;
    /// everything else (sections, keys, values, limits) is verified as rendered.
    /// </summary>
    public static void Verify(IEnumerable<(Host Host, RenderedFile File)> units)
    {
        var root = Path.Combine(Path.GetTempPath(), "dl-units-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        try
        {
            var paths = new List<string>();
            foreach (var (host, unit) in units)
            {
                var lines = unit.Content.Split('\n').Select(line =>
                {
                    var eq = line.IndexOf('=');
                    if (!line.StartsWith("Exec", StringComparison.Ordinal) || eq < 0) return line;
                    var command = line[(eq + 1)..];
                    var exe = command.Split(' ')[0];
                    if (File.Exists(exe)) return line;
                    var stub = root + exe;
                    Directory.CreateDirectory(Path.GetDirectoryName(stub)!);
                    if (!File.Exists(stub)) { File.WriteAllText(stub, "#!/bin/sh\n"); File.SetUnixFileMode(stub, Modes.Executable); }
                    return line[..(eq + 1)] + root + command;
                });
                var dir = Path.Combine(root, "units", host.Name);
                Directory.CreateDirectory(dir);
                var path = Path.Combine(dir, Path.GetFileName(unit.Path));
                File.WriteAllText(path, string.Join('\n', lines));
                paths.Add(path);
            }
            paths.ShouldNotBeEmpty();
            // One call per batch keeps this fast; any warning ("Unknown key", bad value) makes the exit code non-zero.
            foreach (var batch in paths.Chunk(40))
            {
                var result = Tool.Run("systemd-analyze", ["verify", "--man=no", "--recursive-errors=no", .. batch]);
                result.ExitCode.ShouldBe(0, result.Output);
            }
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>A site with one host's inventory variables changed (ports moved), rendered again.</summary>
    public static (Site Site, IReadOnlyList<HostFiles> Hosts) WithHostVars(Site site, string hostName, IReadOnlyDictionary<string, object> vars)
    {
        var hosts = site.Hosts.Select(h =>
        {
            if (h.Name != hostName) return h;
            var merged = h.Vars.ToDictionary(kv => kv.Key, kv => kv.Value);
            foreach (var (k, v) in vars) merged[k] = new Setting(v, null);
            return h with { Vars = merged };
        }).ToList();
        var changed = site with { Hosts = hosts };
        return (changed, SiteRenderer.Render(changed));
    }

    public static IEnumerable<RenderedSite> CoreSites => [RenderedSites.Production, RenderedSites.Development, RenderedSites.Staging];

    public static bool IsSiteAddress(Site site, string address) =>
        IPAddress.TryParse(address, out var a) && (site.Hosts.Any(h => h.Address.Equals(a)) || site.Vips.Any(v => v.Address.Equals(a)));
}
