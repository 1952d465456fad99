using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.OsBaseLayer;

/// <summary>
/// Every systemd unit and drop-in any renderer produces for the production site, checked with
/// <c>systemd-analyze verify</c> (systemd 252). The test picks up whatever units exist when it runs.
/// How verify is made to work off the target host (documented here because it is not obvious):
/// <list type="bullet">
/// <item><c>--root=ROOT</c> (supported by verify since systemd 250) loads units and resolves ExecStart= binaries
/// under ROOT, so artifact binaries (/opt/datalyptica/.../bin/...) need not exist on this machine: the test
/// creates an executable stub at each Exec*= path inside ROOT.</item>
/// <item>Under --root, systemd's own units (sysinit.target, network-online.target...) must be in ROOT too, so
/// the distro's /usr/lib/systemd/system is copied in (about 1 MB).</item>
/// <item>A drop-in for a distro unit not installed here (chrony.service) gets a stub base unit in ROOT's
/// /usr/lib/systemd/system, so the drop-in itself is parsed.</item>
/// <item>verify exits 0 on settings it cannot parse ("..., ignoring"), so any output fails the test.</item>
/// </list>
/// </summary>
public class SystemdUnitsTests
{
    private static readonly string[] ExecKeys = ["ExecStart=", "ExecStartPre=", "ExecStartPost=", "ExecReload=", "ExecStop=", "ExecStopPost=", "ExecCondition="];

    [Fact]
    public void Every_rendered_unit_passes_systemd_analyze_verify()
    {
        var production = RenderedSites.Production.Site;
        // The container drop-in is part of the set so the check always has at least one file to verify.
        var site = production with { Vars = new Dictionary<string, Setting>(production.Vars) { [Chrony.ContainerKey] = new(true, null) } };
        var units = SiteRenderer.Render(site).SelectMany(h => h.Files).Where(f => f.Kind == FileKind.SystemdUnit)
            .GroupBy(f => (f.Path, f.Content)).Select(g => g.First()).ToList();
        units.ShouldNotBeEmpty();

        // Units with the same path but different content (per-host) are verified in separate roots.
        foreach (var batch in units.GroupBy(u => u.Path).Select((g, i) => (g, i)).SelectMany(x => x.g.Select((u, j) => (u, j))).GroupBy(x => x.j))
        {
            using var root = new HostRoot(batch.Select(x => x.u));
            Copy("/usr/lib/systemd/system", root.PathOf("/usr/lib/systemd/system"));
            var names = new List<string>();
            foreach (var (unit, _) in batch)
            {
                var content = SecretPlaceholder.Resolve(unit.Content, HostRoot.DummySecret);
                foreach (var line in content.Split('\n'))
                    foreach (var key in ExecKeys.Where(k => line.StartsWith(k, StringComparison.Ordinal) && line.Length > k.Length))
                        Stub(root, line[key.Length..]);
                if (Path.GetDirectoryName(unit.Path) is { } dir && dir.EndsWith(".d", StringComparison.Ordinal))
                {
                    var baseUnit = Path.GetFileName(dir)[..^2];
                    var basePath = root.PathOf("/usr/lib/systemd/system/" + baseUnit);
                    if (!File.Exists(basePath) && !File.Exists(root.PathOf("/etc/systemd/system/" + baseUnit)))
                    {
                        File.WriteAllText(basePath, "[Unit]\nDescription=stub base unit for a drop-in\n\n[Service]\nExecStart=/usr/bin/stub-base\n");
                        Stub(root, "/usr/bin/stub-base");
                    }
                    else if (File.Exists(basePath))
                    {
                        // The package's own unit (copied in) names the package's binaries, which live outside ROOT.
                        foreach (var line in File.ReadAllLines(basePath))
                            foreach (var key in ExecKeys.Where(k => line.StartsWith(k, StringComparison.Ordinal) && line.Length > k.Length))
                                Stub(root, line[key.Length..]);
                    }
                    names.Add(baseUnit);
                }
                else names.Add(unit.Path);
            }
            var result = Tool.Run("systemd-analyze", ["verify", $"--root={root.Path}", .. names.Distinct()]);
            result.ExitCode.ShouldBe(0, result.Output);
            result.Output.Trim().ShouldBeEmpty($"systemd-analyze verify {string.Join(' ', names)}");
        }
    }

    /// <summary>An executable stub at the command's path inside the root (prefixes !, @, -, +, : are systemd's flags).</summary>
    private static void Stub(HostRoot root, string command)
    {
        var path = command.TrimStart('!', '@', '-', '+', ':').Split(' ', 2)[0];
        if (!path.StartsWith('/')) return;
        var target = root.PathOf(path);
        if (File.Exists(target)) return;
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.WriteAllText(target, "#!/bin/sh\nexit 0\n");
        File.SetUnixFileMode(target, Modes.Executable);
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var target = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link) File.CreateSymbolicLink(target, link);
            else if (entry is DirectoryInfo d) Copy(d.FullName, target);
            else File.Copy(entry.FullName, target);
        }
    }
}
