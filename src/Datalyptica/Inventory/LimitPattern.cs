using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Datalyptica.Model;
using Datalyptica.Validation;

namespace Datalyptica.Inventory;

/// <summary>
/// The hosts and groups a host pattern is matched against: hosts in inventory order, and each group's hosts (its
/// descendants' included) in the order Ansible's Group.get_hosts() gives them, which subscripts like <c>group[0]</c> use.
/// </summary>
public sealed class InventoryGroups
{
    public InventoryGroups(IReadOnlyList<string> hosts, IReadOnlyDictionary<string, IReadOnlyList<string>> groups)
    {
        Hosts = hosts;
        Groups = groups;
        HostSet = hosts.ToHashSet(StringComparer.Ordinal);
    }

    public IReadOnlyList<string> Hosts { get; }
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Groups { get; }
    internal IReadOnlySet<string> HostSet { get; }

    /// <summary>
    /// Each group's hosts as Ansible's Group.get_hosts() lists them: the group's own hosts, then its children's, level
    /// by level (ansible/inventory/group.py). Ansible walks the levels below the children through a set, so their order
    /// is not fixed there; here it follows the order the children were declared in.
    /// </summary>
    public static InventoryGroups From(AnsibleInventory inventory)
    {
        var byName = inventory.Groups.ToDictionary(g => g.Name, StringComparer.Ordinal);
        var groups = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var group in inventory.Groups)
        {
            var order = new List<InventoryGroup> { group };
            var seen = new HashSet<string>(StringComparer.Ordinal) { group.Name };
            for (var level = new List<InventoryGroup> { group }; level.Count > 0;)
            {
                var next = level.SelectMany(g => g.Children).Where(seen.Add).Select(c => byName[c]).ToList();
                order.AddRange(next);
                level = next;
            }
            groups[group.Name] = order.SelectMany(g => g.Hosts).Distinct(StringComparer.Ordinal).ToList();
        }
        return new InventoryGroups(inventory.Hosts.Select(h => h.Name).ToList(), groups);
    }

    /// <summary>A site's hosts and groups: the inventory's when it was read from one, else its tier and role groups.</summary>
    public static InventoryGroups From(Site site)
    {
        var hosts = site.Hosts.Select(h => h.Name).ToList();
        if (site.GroupHosts.Count > 0) return new InventoryGroups(hosts, site.GroupHosts);
        var groups = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal) { ["all"] = hosts };
        foreach (var members in site.Hosts
                     .SelectMany(h => h.RoleGroups.Prepend(h.Tier.GroupName()).Select(g => (Group: g, Host: h.Name)))
                     .GroupBy(x => x.Group, x => x.Host))
            groups[members.Key] = members.ToList();
        return new InventoryGroups(hosts, groups);
    }
}

/// <summary>One comma- or colon-separated part of a pattern and the hosts it matched on its own.</summary>
/// <param name="Text">The part as written, with its &amp; or ! prefix.</param>
/// <param name="Note">Why it matched nothing when a reason is known beyond "no such name" (a subscript past the end).</param>
public sealed record LimitPatternPart(string Text, IReadOnlyList<string> Hosts, string? Note = null)
{
    /// <summary>The part without its &amp;/! prefix and subscript: what a host or group name would be.</summary>
    public string Name => LimitPattern.BareName(Text);
}

/// <summary>What a pattern selected, in inventory order, and what each of its parts matched.</summary>
public sealed record LimitPatternMatch(string Pattern, IReadOnlyList<string> Hosts, IReadOnlyList<LimitPatternPart> Parts)
{
    public IEnumerable<LimitPatternPart> Unmatched => Parts.Where(p => p.Hosts.Count == 0);
}

/// <summary>
/// An Ansible host pattern, as <c>--limit</c> takes it (https://docs.ansible.com/ansible/latest/inventory_guide/intro_patterns.html):
/// host and group names, <c>all</c> and <c>*</c>, globs (<c>pg*</c>), unions (<c>a:b</c>, <c>a,b</c>), intersections
/// (<c>a:&amp;b</c>), exclusions (<c>a:!b</c>), subscripts (<c>group[0]</c>, <c>group[0:2]</c>, <c>group[-1]</c>) and
/// regular expressions (<c>~pg0[12]</c>). Evaluated as ansible-core's InventoryManager does (split_host_pattern,
/// order_patterns, _match_one_pattern in ansible/inventory/manager.py): every plain part first, then the &amp; parts,
/// then the ! parts. Not <see cref="HostPattern"/>, which expands ranges in the host keys of an inventory file.
/// </summary>
public static partial class LimitPattern
{
    /// <summary>Matches <paramref name="pattern"/>; throws <see cref="FormatException"/> for an empty pattern or a bad ~regex.</summary>
    public static LimitPatternMatch Match(string pattern, InventoryGroups inventory)
    {
        var split = Split(pattern);
        if (split.Count == 0) throw new FormatException("the pattern is empty; give host or group names, e.g. pg01,pg02 or catalog:!db03");
        var parts = new List<LimitPatternPart>();
        var selected = new List<string>();
        var regular = split.Where(p => p[0] is not ('&' or '!')).ToList();
        // With only & and ! parts, Ansible starts from all hosts.
        var ordered = (regular.Count == 0 ? ["all"] : regular).Concat(split.Where(p => p[0] == '&')).Concat(split.Where(p => p[0] == '!'));
        foreach (var p in ordered)
        {
            var part = inventory.HostSet.Contains(p) ? new LimitPatternPart(p, [p]) : MatchOne(p, inventory);
            if (regular.Count > 0 || p != "all") parts.Add(part);
            var these = part.Hosts.ToHashSet(StringComparer.Ordinal);
            if (p[0] == '!') selected.RemoveAll(these.Contains);
            else if (p[0] == '&') selected.RemoveAll(h => !these.Contains(h));
            else selected.AddRange(part.Hosts.Where(h => !selected.Contains(h)));
        }
        var chosen = selected.ToHashSet(StringComparer.Ordinal);
        return new LimitPatternMatch(pattern, inventory.Hosts.Where(chosen.Contains).ToList(), parts);
    }

    /// <summary>Host and group names close to what a part names (edit distance), nearest first: for "did you mean".</summary>
    public static IReadOnlyList<string> CloseNames(LimitPatternPart part, InventoryGroups inventory, int max = 5)
    {
        var name = part.Name;
        if (part.Note is not null) return []; // the name exists; its subscript was the problem
        var limit = Math.Max(2, name.Length / 3);
        return inventory.Hosts.Concat(inventory.Groups.Keys.Where(g => g != "ungrouped")).Distinct(StringComparer.Ordinal)
            .Select(n => (Name: n, Distance: DidYouMean.Distance(name, n)))
            .Where(x => x.Distance <= limit && x.Distance < name.Length)
            .OrderBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(max).Select(x => x.Name).ToList();
    }

    internal static string BareName(string part)
    {
        var text = part.TrimStart('&', '!');
        return text.StartsWith('~') ? text : Subscripted().Match(text) is { Success: true } m ? m.Groups[1].Value : text;
    }

    /// <summary>
    /// split_host_pattern: commas separate parts; without a comma, colons do, unless the whole pattern is one address
    /// (an IPv6 address, or host:port), as Ansible keeps those whole. Brackets keep their colons (<c>g[0:2]</c>).
    /// </summary>
    public static IReadOnlyList<string> Split(string pattern)
    {
        IEnumerable<string> parts;
        if (pattern.Contains(',')) parts = pattern.Split(',');
        else if (IsOneAddress(pattern.Trim())) parts = [pattern];
        else parts = ColonParts().Matches(pattern).Select(m => m.Value);
        return parts.Select(p => p.Trim()).Where(p => p.Length > 0).ToList();
    }

    private static bool IsOneAddress(string pattern) =>
        (pattern.Count(c => c == ':') > 1 && IPAddress.TryParse(pattern, out _)) || HostWithPort().IsMatch(pattern);

    private static LimitPatternPart MatchOne(string part, InventoryGroups inventory)
    {
        var pattern = part.TrimStart('&', '!');
        if (pattern.Length == 0) return new LimitPatternPart(part, [], "the part is empty");
        var (expression, subscript) = SplitSubscript(pattern);
        // Subscripts index the list before duplicates are dropped, as Ansible's do.
        var hosts = Enumerate(expression, inventory);
        if (subscript is not { } s || hosts.Count == 0) return new LimitPatternPart(part, hosts.Distinct(StringComparer.Ordinal).ToList());
        var (start, end) = s;
        if (end is { } e && e != 0)
        {
            // [start:end] includes end; [start:] runs to the last host (Python slicing clips, it never fails).
            var last = e == -1 ? hosts.Count - 1 : Math.Min(e, hosts.Count - 1);
            var slice = start > last ? [] : hosts.Skip(start).Take(last - start + 1).ToList();
            return new LimitPatternPart(part, slice.Distinct(StringComparer.Ordinal).ToList(), slice.Count == 0 ? $"'{expression}' has {hosts.Count} host(s), so [{start}:{e}] selects none" : null);
        }
        var index = start < 0 ? hosts.Count + start : start;
        return index >= 0 && index < hosts.Count
            ? new LimitPatternPart(part, [hosts[index]])
            : new LimitPatternPart(part, [], $"'{expression}' has {hosts.Count} host(s) (indexes 0 to {hosts.Count - 1}, or -1 to -{hosts.Count}), so [{start}] selects none");
    }

    /// <summary>_split_subscript: "g[1]" → (g, (1, null)); "g[0:2]" → (g, (0, 2)); "g[1:]" → (g, (1, -1)). A ~regex keeps its brackets.</summary>
    private static (string Expression, (int Start, int? End)? Subscript) SplitSubscript(string pattern)
    {
        if (pattern[0] == '~' || Subscripted().Match(pattern) is not { Success: true } m) return (pattern, null);
        if (m.Groups[2].Success) return (m.Groups[1].Value, (Number(m.Groups[2].Value), null));
        return (m.Groups[1].Value, (Number(m.Groups[3].Value), m.Groups[5].Value.Length == 0 ? -1 : Number(m.Groups[5].Value)));
    }

    private static int Number(string digits) =>
        int.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;

    /// <summary>
    /// _enumerate_matches: every group whose name matches gives all its hosts; host names are matched too when no group
    /// matched, or when the pattern is a regex or glob (has . ? * or [).
    /// </summary>
    private static List<string> Enumerate(string pattern, InventoryGroups inventory)
    {
        var matcher = Matcher(pattern);
        var results = new List<string>();
        var groups = inventory.Groups.Keys.Where(matcher).ToList();
        foreach (var group in groups) results.AddRange(inventory.Groups[group]);
        if (groups.Count == 0 || pattern[0] == '~' || pattern.IndexOfAny(['.', '?', '*', '[']) >= 0)
            results.AddRange(inventory.Hosts.Where(matcher));
        return results;
    }

    /// <summary>~regex is matched from the start of the name (Python's re.match); anything else as a whole-name glob (fnmatch).</summary>
    private static Func<string, bool> Matcher(string pattern)
    {
        Regex regex;
        try
        {
            regex = pattern[0] == '~'
                ? new Regex(@"\A(?:" + pattern[1..] + ")", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1))
                : new Regex(GlobToRegex(pattern), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"'{pattern}' is not a valid {(pattern[0] == '~' ? "regular expression" : "pattern")}: {e.Message}");
        }
        return name => regex.IsMatch(name);
    }

    /// <summary>Python's fnmatch.translate: * any run, ? one character, [seq] and [!seq] a set; an unclosed [ is literal. Case-sensitive, as on Linux.</summary>
    internal static string GlobToRegex(string glob)
    {
        var sb = new StringBuilder(@"\A(?:");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*') sb.Append(".*");
            else if (c == '?') sb.Append('.');
            else if (c == '[')
            {
                var j = i + 1;
                if (j < glob.Length && glob[j] == '!') j++;
                if (j < glob.Length && glob[j] == ']') j++;
                while (j < glob.Length && glob[j] != ']') j++;
                if (j >= glob.Length) sb.Append(@"\[");
                else
                {
                    var set = glob[(i + 1)..j].Replace(@"\", @"\\").Replace("[", @"\[");
                    sb.Append('[').Append(set.StartsWith('!') ? "^" + set[1..] : set.StartsWith('^') ? @"\" + set : set).Append(']');
                    i = j;
                }
            }
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.Append(@")\z").ToString();
    }

    // manager.py PATTERN_WITH_SUBSCRIPT: a pattern ending in [N], [-N], [N:M], [N:] (or the old [N-M]).
    [GeneratedRegex(@"^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$")] private static partial Regex Subscripted();
    // split_host_pattern's fallback: runs of anything but whitespace, ':' and brackets, or whole bracketed expressions.
    [GeneratedRegex(@"(?:[^\s:\[\]]|\[[^\]]*\])+")] private static partial Regex ColonParts();
    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+(?:\[[^\]]*\])?[A-Za-z0-9_.\-]*:[0-9]+$")] private static partial Regex HostWithPort();
}
