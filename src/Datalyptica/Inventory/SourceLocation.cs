namespace Datalyptica.Inventory;

/// <summary>Where something was defined: file path plus 1-based line and column.</summary>
public sealed record SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
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

    public InventoryException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>Null when the problem is not tied to a position (e.g. a missing inventory file).</summary>
    public SourceLocation? Location { get; }
}
