namespace Datalyptica.Contracts.Rendering;

public enum FileKind
{
    /// <summary>A configuration file the tool owns: re-rendered and rewritten whenever it differs.</summary>
    Config,
    /// <summary>A systemd unit or drop-in.</summary>
    SystemdUnit,
    /// <summary>Written once as a starting point, then owned by the service (Redis Sentinel rewrites its file).</summary>
    Seed,
    /// <summary>An executable helper script.</summary>
    Script,
}

/// <summary>
/// One file a host needs, with the owner and mode it must have. Secrets appear only as placeholders
/// (<see cref="SecretPlaceholder"/>) resolved at apply time; a file that holds one is never world-readable.
/// </summary>
public sealed record RenderedFile(string Component, string Path, string Content)
{
    public string Owner { get; init; } = "root";
    public string Group { get; init; } = "root";
    public UnixFileMode Mode { get; init; } = Modes.Public;
    public FileKind Kind { get; init; } = FileKind.Config;

    public bool ContainsSecrets => SecretPlaceholder.Find(Content).Any();
}

/// <summary>The few file modes the platform uses.</summary>
public static class Modes
{
    public const UnixFileMode Public = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    /// <summary>For files with secrets: the service's group may read, others may not.</summary>
    public const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode Executable = Public | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public static string Octal(UnixFileMode mode) => Convert.ToString((int)mode, 8).PadLeft(4, '0');
}
