using System.Net;
using System.Net.Sockets;
using Datalyptica.Diagnostics;

namespace Datalyptica.Sites;

/// <summary>
/// The address list `inventory generate` reads: one IPv4 address per line, blank lines and
/// <c>#</c> comments allowed. Every problem is reported with its line, all at once.
/// </summary>
public static class IpListFile
{
    public sealed record Result(IReadOnlyList<IPAddress> Addresses, IReadOnlyList<Diagnostic> Diagnostics);

    public static Result Read(string path) => Parse(File.ReadAllLines(path), Path.GetFileName(path));

    public static Result Parse(IReadOnlyList<string> lines, string fileName)
    {
        var addresses = new List<IPAddress>();
        var diagnostics = new List<Diagnostic>();
        var firstSeen = new Dictionary<IPAddress, int>();
        for (var i = 0; i < lines.Count; i++)
        {
            var text = lines[i].Split('#')[0].Trim();
            if (text.Length == 0) continue;
            var at = new SourceRef(fileName, i + 1);
            if (text.Split(' ', '\t', ',').Length > 1 ||
                !IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetwork || text.Count(c => c == '.') != 3)
            {
                diagnostics.Add(new Diagnostic(FindingCodes.AddressLineInvalid, $"'{text}' is not one IPv4 address.",
                    "write exactly one address per line, like 10.20.1.11; put comments after #.", at));
                continue;
            }
            if (firstSeen.TryGetValue(address, out var line))
            {
                diagnostics.Add(new Diagnostic(FindingCodes.AddressListedTwice, $"{address} is listed twice (first on line {line}).",
                    "remove the duplicate; every host needs its own address.", at));
                continue;
            }
            firstSeen[address] = i + 1;
            addresses.Add(address);
        }
        return new Result(addresses, diagnostics);
    }
}
