using System.Text;
using Datalyptica.Contracts.Rendering;
using Datalyptica.IO;

namespace Datalyptica.Rendering;

/// <summary>
/// Writes rendered files for review: OUT/&lt;host&gt;/&lt;path on the host&gt;, plus OUT/&lt;host&gt;/MANIFEST
/// (mode, owner, group, kind, component, path) because the review copy is not owned by the real users.
/// </summary>
public static class RenderOutput
{
    public const string ManifestName = "MANIFEST";

    public static int Write(string outDirectory, IReadOnlyList<HostFiles> rendered)
    {
        var count = 0;
        foreach (var (host, files) in rendered)
        {
            var hostDir = Path.Combine(outDirectory, host.Name);
            var manifest = new StringBuilder("# mode\towner\tgroup\tkind\tcomponent\tpath\n");
            foreach (var file in files)
            {
                var target = Path.Combine(hostDir, file.Path.TrimStart('/'));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                AtomicFile.Write(target, file.Content, file.Mode);
                manifest.Append($"{Modes.Octal(file.Mode)}\t{file.Owner}\t{file.Group}\t{file.Kind.ToString().ToLowerInvariant()}\t{file.Component}\t{file.Path}\n");
                count++;
            }
            Directory.CreateDirectory(hostDir);
            AtomicFile.Write(Path.Combine(hostDir, ManifestName), manifest.ToString());
        }
        return count;
    }
}
