using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Datalyptica.IO;

namespace Datalyptica.Inventory;

/// <summary>
/// Reads one text file of a site as untrusted input (docs/SECURITY.md, "The site folder is untrusted"): the file must lie
/// inside the site folder once every symbolic link is resolved (links inside the site are fine), be a regular file (a FIFO
/// would block the reader, a device would never end), hold at most <see cref="MaxFileBytes"/>, and be UTF-8. A refused file's
/// content is never shown: messages name the file, its size or the byte offset, not its bytes.
/// </summary>
public static class SiteFileReader
{
    /// <summary>The largest file a site may hold: 4 MiB (a generated 10,000-host hosts.yml is about 1 MiB).</summary>
    public const long MaxFileBytes = 4 * 1024 * 1024;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>The site folder as a real path (links resolved), the root every file of the site must stay under.</summary>
    public static string RealRoot(string folder) => UnixFile.RealPath(folder) ?? Path.GetFullPath(folder);

    /// <summary>Throws <see cref="InventoryException"/> (with its <see cref="InventoryRefusal"/>) when the file may not be read.</summary>
    /// <param name="file">The file as the site names it (shown in messages).</param>
    /// <param name="realRoot">The site folder's real path (<see cref="RealRoot"/>).</param>
    public static string ReadText(string file, string realRoot)
    {
        var at = new SourceLocation(file, 0, 0);
        var real = UnixFile.RealPath(file)
            ?? throw new InventoryException(at, "the file does not exist (or is a symbolic link to nothing). Create it or remove the link.");
        if (!UnixFile.IsInside(real, realRoot))
            throw new InventoryException(InventoryRefusal.LeavesSite, at,
                $"is a symbolic link (or lies in a linked folder) that leads out of the site folder, to {real}; it was not read. " +
                "A site may only link to files inside itself: copy the file into the site instead.");
        var status = UnixFile.FollowStatus(real);
        if (status is null || status.Kind != UnixFileKind.Regular)
            throw new InventoryException(InventoryRefusal.NotRegularFile, at,
                "is not a regular file (a FIFO, device or socket); it was not read. Replace it with a plain file.");
        if (status.Size > MaxFileBytes)
            throw TooLarge(at, status.Size);

        byte[] bytes;
        using (var handle = File.OpenHandle(real, FileMode.Open, FileAccess.Read))
        {
            // What was opened is what was checked (no swap between the check and the open), and it may not grow past the limit.
            var opened = UnixFile.HandleStatus(handle);
            if (opened.Kind != UnixFileKind.Regular || opened.Inode != status.Inode || opened.Device != status.Device)
                throw new InventoryException(InventoryRefusal.NotRegularFile, at, "changed while it was being read; run again.");
            var buffer = new byte[Math.Min(opened.Size, MaxFileBytes) + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = RandomAccess.Read(handle, buffer.AsSpan(total), total)) > 0) total += read;
            if (total > MaxFileBytes) throw TooLarge(at, total);
            bytes = buffer.AsSpan(0, total).ToArray();
        }
        return Decode(bytes, file);
    }

    /// <summary>Strict UTF-8 (a leading byte-order mark is dropped, as PyYAML does); else the byte offset and line of the first bad byte.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, string file)
    {
        var start = bytes.StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
        var content = bytes[start..];
        var chars = ArrayPool<char>.Shared.Rent(Math.Max(1, content.Length));
        try
        {
            var status = Utf8.ToUtf16(content, chars, out var bytesRead, out var charsWritten, replaceInvalidSequences: false);
            if (status == OperationStatus.Done) return new string(chars, 0, charsWritten);
            var offset = start + bytesRead;
            var line = 1 + bytes[..offset].Count((byte)'\n');
            throw new InventoryException(InventoryRefusal.NotUtf8, new SourceLocation(file, line, 1),
                $"is not UTF-8 text: the byte at offset {offset.ToString(CultureInfo.InvariantCulture)} (line {line.ToString(CultureInfo.InvariantCulture)}) is not valid UTF-8; the file was not read. " +
                "Convert it, e.g. `iconv -f latin1 -t utf-8`.");
        }
        finally { ArrayPool<char>.Shared.Return(chars, clearArray: true); }
    }

    private static InventoryException TooLarge(SourceLocation at, long size) =>
        new(InventoryRefusal.FileTooLarge, at,
            $"is {size.ToString(CultureInfo.InvariantCulture)} bytes, over the limit of {MaxFileBytes.ToString(CultureInfo.InvariantCulture)} bytes (4 MiB) for one file of a site; it was not read. " +
            "Split it (group_vars/NAME/ may be a folder of files) or remove what does not belong in an inventory.");
}
