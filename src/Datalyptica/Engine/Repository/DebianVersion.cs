namespace Datalyptica.Engine.Repository;

/// <summary>
/// Debian's version order (Debian Policy 5.6.12, dpkg's verrevcmp): epoch as a number, then the upstream version and the
/// revision, each compared as alternating non-digit parts (letters before other characters, '~' before everything, even
/// the end) and digit parts (as numbers). <c>dpkg --compare-versions</c> is the reference (tests compare with it).
/// </summary>
public static class DebianVersion
{
    public static int Compare(string a, string b)
    {
        var (epochA, upstreamA, revisionA) = Split(a);
        var (epochB, upstreamB, revisionB) = Split(b);
        if (epochA != epochB) return epochA.CompareTo(epochB);
        var upstream = CompareParts(upstreamA, upstreamB);
        return upstream != 0 ? upstream : CompareParts(revisionA, revisionB);
    }

    public static IComparer<string> Comparer { get; } = Comparer<string>.Create(Compare);

    private static (long Epoch, string Upstream, string Revision) Split(string version)
    {
        var colon = version.IndexOf(':');
        var epoch = colon > 0 && long.TryParse(version[..colon], out var e) ? e : 0;
        var rest = colon > 0 ? version[(colon + 1)..] : version;
        var dash = rest.LastIndexOf('-');
        return dash < 0 ? (epoch, rest, "") : (epoch, rest[..dash], rest[(dash + 1)..]);
    }

    private static int Order(char c) => c == '~' ? -1 : char.IsAsciiLetter(c) ? c : c + 256;

    private static int CompareParts(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length || j < b.Length)
        {
            while ((i < a.Length && !char.IsAsciiDigit(a[i])) || (j < b.Length && !char.IsAsciiDigit(b[j])))
            {
                var ca = i < a.Length && !char.IsAsciiDigit(a[i]) ? Order(a[i]) : 0;
                var cb = j < b.Length && !char.IsAsciiDigit(b[j]) ? Order(b[j]) : 0;
                if (ca != cb) return ca.CompareTo(cb);
                i++; j++;
            }
            while (i < a.Length && a[i] == '0') i++;
            while (j < b.Length && b[j] == '0') j++;
            var first = 0;
            while (i < a.Length && char.IsAsciiDigit(a[i]) && j < b.Length && char.IsAsciiDigit(b[j]))
            {
                if (first == 0) first = a[i].CompareTo(b[j]);
                i++; j++;
            }
            if (i < a.Length && char.IsAsciiDigit(a[i])) return 1;
            if (j < b.Length && char.IsAsciiDigit(b[j])) return -1;
            if (first != 0) return first;
        }
        return 0;
    }
}
