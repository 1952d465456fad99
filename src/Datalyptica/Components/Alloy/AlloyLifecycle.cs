using Datalyptica.Contracts;

namespace Datalyptica.Components.Alloy;

/// <summary>
/// Alloy runs as its own system user; we render its unit, which also gives it the journal's group and the one
/// capability a log reader needs (AlloyRenderer). It restarts on any change of its files: it keeps its read positions
/// in its storage folder, so a restart resumes where it stopped.
/// </summary>
public static class AlloyLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("alloy", "Datalyptica Alloy log shipper"),
        Units =
        [
            new("alloy", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}
