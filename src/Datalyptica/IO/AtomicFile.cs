namespace Datalyptica.IO;

/// <summary>Writes a file so a reader sees the old or the new content, never half of it (temp file + rename).</summary>
public static class AtomicFile
{
    public static void Write(string path, string content, UnixFileMode? mode = null)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        File.Delete(temp);
        // The file is created with its final mode, so a password written with 0600 is never readable by others, not even for a moment.
        var createMode = mode ?? (File.Exists(full) ? File.GetUnixFileMode(full) : (UnixFileMode?)null);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (createMode is { } m && !OperatingSystem.IsWindows()) options.UnixCreateMode = m;
        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false)))
            writer.Write(content);
        if (createMode is { } final && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, final); // UnixCreateMode is filtered by the umask
        File.Move(temp, full, overwrite: true);
    }
}
