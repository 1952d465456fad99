using Datalyptica.Inventory;
using Datalyptica.Model;
using Spectre.Console;

namespace Datalyptica.Cli.Commands;

/// <summary>--limit for plan, apply, render and verify: an Ansible host pattern (<see cref="LimitPattern"/>) resolved against the site.</summary>
internal static class HostLimit
{
    /// <summary>What every verb's help says the pattern may hold (https://docs.ansible.com/ansible/latest/inventory_guide/intro_patterns.html).</summary>
    private const string Syntax = "Ansible host pattern matches: host or group names, all, globs (pg*), a,b or a:b (union), a:&b (and), a:!b (but not), group[[0]], group[[0:2]], group[[-1]], ~regex. A part that matches no host is refused.";

    public const string PlanDescription = "Only the hosts this " + Syntax;
    public const string RenderDescription = "Render only the hosts this " + Syntax + " Also accepted as --host.";
    public const string VerifyDescription = "Only the checks of the hosts this " + Syntax +
        " A component's cluster-wide checks run only when every one of its hosts is matched. Also accepted as --host.";

    /// <summary>
    /// The hosts <paramref name="pattern"/> selects (null: no --limit, every host). A part that matches no host, or a
    /// pattern whose parts leave no host, is a usage error: a typo must never quietly shrink or empty the run.
    /// </summary>
    public static IReadOnlySet<string>? Resolve(string? pattern, Site site)
    {
        if (pattern is null) return null;
        var inventory = InventoryGroups.From(site);
        LimitPatternMatch match;
        try { match = LimitPattern.Match(pattern, inventory); }
        catch (FormatException e)
        {
            throw new UsageException($"--limit '{pattern}': {e.Message}", PatternHelp);
        }
        var unmatched = match.Unmatched.ToList();
        if (unmatched.Count > 0)
        {
            var what = string.Join("; ", unmatched.Select(p => $"'{p.Text}' matches no host or group{(p.Note is null ? "" : $" ({p.Note})")}"));
            var close = unmatched.Select(p => (Part: p, Close: LimitPattern.CloseNames(p, inventory))).Where(x => x.Close.Count > 0).ToList();
            throw new UsageException($"--limit '{pattern}': {what}",
                close.Count > 0
                    ? string.Join("; ", close.Select(x => $"for '{x.Part.Name}' did you mean {string.Join(" or ", x.Close)}?")) + " (`datalyptica inventory list SITE` lists hosts and groups)"
                    : "use host or group names of the site (`datalyptica inventory list SITE` lists them); " + PatternHelp);
        }
        if (match.Hosts.Count == 0)
            throw new UsageException($"--limit '{pattern}' matches no host: its &/! parts remove every host the others select",
                "check the intersections (:&) and exclusions (:!); " + PatternHelp);
        return match.Hosts.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Says which hosts the limit selected, in site order: on stdout, or on stderr when stdout holds JSON.</summary>
    public static void Show(CliIo io, OutputFormat output, string pattern, Site site, IReadOnlySet<string> hosts)
    {
        var names = site.Hosts.Where(h => hosts.Contains(h.Name)).Select(h => h.Name).ToList();
        var line = $"limit '{pattern}' matched {names.Count} of {site.Hosts.Count} host(s): {string.Join(", ", names)}";
        if (output == OutputFormat.Json) io.Error.WriteLine(line);
        else io.Out.MarkupLine(Markup.Escape(line));
    }

    private const string PatternHelp = "patterns: https://docs.ansible.com/ansible/latest/inventory_guide/intro_patterns.html";
}
