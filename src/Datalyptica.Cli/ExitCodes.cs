namespace Datalyptica.Cli;

/// <summary>
/// The exit codes of every verb, in one place: verbs return these, root <c>--help</c> and docs/CLI.md show
/// <see cref="Table"/>. 0, 1 and plan's 2 are kept from before; 2 for pending changes is what
/// <c>terraform plan -detailed-exitcode</c> uses, so usage errors take sysexits' EX_USAGE (64) instead of the 2 many
/// tools use (https://man.freebsd.org/cgi/man.cgi?query=sysexits).
/// </summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int ChangesPending = 2;
    public const int InvalidSite = 3;
    public const int ApplyFailed = 4;
    public const int Unhealthy = 5;
    public const int DrillFailed = 6;
    public const int Usage = 64;

    public sealed record Entry(int Code, string Name, string Meaning);

    public static readonly IReadOnlyList<Entry> Table =
    [
        new(Ok, "ok", "done; plan: nothing pending; verify: everything deployable is healthy"),
        new(Failed, "failed", "an error not listed below: a file missing, a host unreachable or its key changed (except in apply), a backup that failed, a restart refused (component unhealthy) or stopped at a member; artifacts: a release refused (checksum mismatch, checksum file missing) or not in the store"),
        new(ChangesPending, "changes pending", "plan: apply would change something"),
        new(InvalidSite, "invalid site", "the site has errors (validate lists them); every verb that reads a site refuses it before touching a host"),
        new(ApplyFailed, "apply failed", "apply: a host could not be reached, a change failed on a host, a layer could not start, or the run was interrupted; stderr and the journal say which"),
        new(Unhealthy, "unhealthy", "verify: a check is not healthy"),
        new(DrillFailed, "drill failed", "drill: a drill missed its limit, left the cluster not whole, or could not check the cluster before its fault"),
        new(Usage, "usage error", "unknown verb or option, surplus argument, a missing or invalid option value, a --limit that matches no host; nothing ran"),
    ];

    /// <summary>The table as docs/CLI.md shows it (a generated section, checked by a test).</summary>
    public static string Markdown() =>
        "| Code | Name | Meaning |\n|---|---|---|\n" + string.Concat(Table.Select(e => $"| {e.Code} | {e.Name} | {e.Meaning} |\n"));
}
