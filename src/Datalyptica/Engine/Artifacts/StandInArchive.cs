using System.Formats.Tar;
using System.IO.Compression;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Engine.Artifacts;

/// <summary>
/// Whether a release file is a stand-in: an archive (tar.gz, a plain tar, a zip, a jar, a wheelhouse tar.gz) holding an
/// entry whose file name is exactly <see cref="StandInSignature.ArchiveEntry"/>, anywhere in it. Read by its first bytes,
/// not its name: gzip (1f 8b) is read as a tarball, <c>PK</c> as a zip (a jar is one), <c>ustar</c> at 257 as a tar;
/// anything else (a bare program) holds no entries and is not a stand-in.
/// </summary>
public static class StandInArchive
{
    public static bool Contains(string path)
    {
        using var file = File.OpenRead(path);
        var head = new byte[262];
        var read = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        file.Position = 0;
        try
        {
            if (read >= 2 && head[0] == 0x1f && head[1] == 0x8b)
            {
                using var gzip = new GZipStream(file, CompressionMode.Decompress);
                return InTar(gzip);
            }
            if (read >= 4 && head[0] == (byte)'P' && head[1] == (byte)'K')
            {
                using var zip = new ZipArchive(file, ZipArchiveMode.Read);
                return zip.Entries.Any(e => IsMarker(e.FullName));
            }
            if (read >= 262 && head.AsSpan(257, 5).SequenceEqual("ustar"u8)) return InTar(file);
            return false;
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException or ArgumentException or NotSupportedException)
        {
            // Not a readable archive (its checksum matched upstream's, so it is what upstream publishes): no stand-in entry in it.
            return false;
        }
    }

    private static bool InTar(Stream stream)
    {
        using var tar = new TarReader(stream);
        while (tar.GetNextEntry(copyData: false) is { } entry)
            if (IsMarker(entry.Name)) return true;
        return false;
    }

    private static bool IsMarker(string name) =>
        name.TrimEnd('/').Split('/', '\\')[^1] == StandInSignature.ArchiveEntry;
}
