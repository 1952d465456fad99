namespace Datalyptica.Diagnostics;

public enum Severity { Info, Warning, Error }

/// <summary>Where a finding comes from: a file of the site and a 1-based line (0 when unknown).</summary>
public sealed record SourceRef(string File, int Line = 0, int Column = 0)
{
    public override string ToString() => Line > 0 ? $"{File}:{Line}" : File;
}

/// <summary>
/// One finding about a site: a stable code, a severity, where it comes from, what is wrong and how to fix it.
/// Never carries a secret's value.
/// </summary>
public sealed record Diagnostic(
    string Code,
    Severity Severity,
    string Message,
    string Fix,
    SourceRef? Source = null,
    string? Key = null)
{
    /// <summary>A finding with one of the declared <see cref="FindingCodes"/> and its severity.</summary>
    public Diagnostic(FindingCode code, string message, string fix, SourceRef? source = null, string? key = null)
        : this(code.Code, code.Severity, message, fix, source, key) { }

    public override string ToString()
    {
        var where = Source is null ? "" : $"{Source}: ";
        var key = Key is null ? "" : $" [{Key}]";
        return $"{where}{Severity.ToString().ToLowerInvariant()} {Code}{key}: {Message} Fix: {Fix}";
    }
}

public static class DiagnosticExtensions
{
    public static bool HasErrors(this IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Any(d => d.Severity == Severity.Error);
}
