namespace Datalyptica.Inventory;

/// <summary>Where something was defined: file path plus 1-based line and column.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}" : File;
}

/// <summary>
/// Why an inventory was refused as unsafe input rather than malformed (docs/SECURITY.md); each maps to its own finding code.
/// </summary>
public enum InventoryRefusal
{
    /// <summary>Malformed: a YAML error, a bad host range, a structure Ansible would not accept.</summary>
    Malformed,
    /// <summary>A file over <see cref="SiteFileReader.MaxFileBytes"/>.</summary>
    FileTooLarge,
    /// <summary>A symbolic link (or a folder on the way) that leads out of the site folder.</summary>
    LeavesSite,
    /// <summary>A FIFO, device or socket where a file is read.</summary>
    NotRegularFile,
    /// <summary>Bytes that are not UTF-8.</summary>
    NotUtf8,
    /// <summary>A YAML document that expands (aliases, nesting) past the loader's limits.</summary>
    YamlTooLarge,
    /// <summary>A host range past the expansion limit, or more hosts than the inventory limit.</summary>
    TooManyHosts,
    /// <summary>A host range whose begin is after its end.</summary>
    RangeReversed,
}

/// <summary>
/// Malformed inventory input. The message always starts with "file:line:column:" and says what to fix,
/// so it can be shown to the user as is.
/// </summary>
public sealed class InventoryException : Exception
{
    public InventoryException(SourceLocation location, string message, Exception? inner = null)
        : base($"{location}: {message}", inner)
    {
        Location = location;
    }

    /// <summary>An unsafe input refused for <paramref name="refusal"/>; <paramref name="key"/> names the host pattern or key, if any.</summary>
    public InventoryException(InventoryRefusal refusal, SourceLocation location, string message, string? key = null)
        : base($"{location}: {message}")
    {
        Location = location;
        Refusal = refusal;
        Key = key;
    }

    public InventoryException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>Null when the problem is not tied to a position (e.g. a missing inventory file).</summary>
    public SourceLocation? Location { get; }

    public InventoryRefusal Refusal { get; }

    /// <summary>The host pattern or variable the refusal is about, when there is one.</summary>
    public string? Key { get; }
}
