using Datalyptica.Engine.Repository;

namespace Datalyptica.Lab;

/// <summary>A lab step failed; the message says what and how to fix it.</summary>
public sealed class LabException(string message) : Exception(message);

/// <summary>Thin helpers over the control machine: tools, /proc, mounts, signals. Every process is addressed by its own PID.</summary>
public static class LabSystem
{
    public static async Task<ToolResult> RunAsync(string file, IEnumerable<string> args, CancellationToken cancellation, TimeSpan? timeout = null) =>
        await ToolProcess.RunAsync(file, args, timeout ?? TimeSpan.FromSeconds(60), cancellation);

    public static async Task<string> RunCheckedAsync(string file, IEnumerable<string> args, CancellationToken cancellation, TimeSpan? timeout = null)
    {
        var list = args.ToList();
        var result = await RunAsync(file, list, cancellation, timeout);
        if (!result.Succeeded)
            throw new LabException($"`{file} {string.Join(' ', list)}` failed (exit {result.ExitCode}): {Tail(result.Stderr + result.Stdout)}");
        return result.Stdout;
    }

    public static string Tail(string text, int lines = 8) =>
        string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(lines));

    public static string? FindTool(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin", "/usr/bin", "/bin"]))
        {
            if (dir.Length == 0) continue;
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        return null;
    }

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks), or null when the process is gone.</summary>
    public static long? StartTime(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // rest[0] is field 3 (state); start time is field 22.
            if (rest[0] == "Z") return null; // a zombie is as good as gone
            return long.Parse(rest[19]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Is <paramref name="pid"/> still the very process we started (same start time)?</summary>
    public static bool IsSame(int? pid, long? start) => pid is { } p && start is { } s && StartTime(p) == s;

    public static IReadOnlyList<int> Children(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/task/{pid}/children")
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException) { return []; }
    }

    public static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0)
        {
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno != 3) throw new LabException($"kill({pid}, {signal}) failed: errno {errno}"); // 3 = ESRCH: already gone
        }
    }

    public const int SigKill = 9;
    public const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern uint geteuid();

    public static bool IsRoot() => geteuid() == 0;

    /// <summary>Mount points at or under <paramref name="root"/>, deepest first (field 5 of /proc/self/mountinfo, octal escapes decoded).</summary>
    public static IReadOnlyList<string> MountsUnder(string root)
    {
        var prefix = root.TrimEnd('/') + "/";
        return File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => l.Split(' ')[4].Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\"))
            .Where(m => m == root.TrimEnd('/') || m.StartsWith(prefix, StringComparison.Ordinal))
            .Distinct().OrderByDescending(m => m.Length).ToList();
    }

    public static bool LinkExists(string name) => Directory.Exists($"/sys/class/net/{name}");

    /// <summary>
    /// Raises a kernel setting of this control node (/proc/sys/KEY, dots for slashes) to <paramref name="minimum"/> when it
    /// is lower; returns the old value when it raised it, null when it was already enough. Not persisted: a reboot
    /// restores the distribution's value.
    /// </summary>
    public static long? RaiseKernelSetting(string key, long minimum)
    {
        var path = "/proc/sys/" + key.Replace('.', '/');
        var current = long.Parse(File.ReadAllText(path).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        if (current >= minimum) return null;
        File.WriteAllText(path, minimum.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
        return current;
    }
}
