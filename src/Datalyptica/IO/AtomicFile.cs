namespace Datalyptica.IO;

/// <summary>Writes a file so a reader sees the old or the new content, never half of it (temp file + rename).</summary>
public static class AtomicFile
{
    public static void Write(string path, string content, UnixFileMode? mode = null)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        File.WriteAllText(temp, content);
        if (mode is { } m) File.SetUnixFileMode(temp, m);
        else if (File.Exists(full)) File.SetUnixFileMode(temp, File.GetUnixFileMode(full));
        File.Move(temp, full, overwrite: true);
    }
}
