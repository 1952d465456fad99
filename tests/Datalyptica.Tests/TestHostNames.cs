using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Datalyptica.Sites;

namespace Datalyptica.Tests;

/// <summary>
/// Name resolution for the in-process tests: names a test registered, and "not found" for every other name, so that
/// no test sends a DNS query. The system resolver itself is tested by running the CLI binary with its own /etc/hosts
/// in a network namespace of its own (HostNameTests).
/// </summary>
internal static class TestHostNames
{
    private static readonly ConcurrentDictionary<string, IPAddress[]> Names = new(StringComparer.OrdinalIgnoreCase);
    private static readonly ConcurrentBag<string> Asked = [];

    [ModuleInitializer]
    internal static void NoDnsInTests() =>
        HostNameResolver.Lookup = (name, _) =>
        {
            Asked.Add(name);
            return Names.TryGetValue(name, out var addresses)
                ? Task.FromResult(addresses)
                : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));
        };

    /// <summary>Makes <paramref name="name"/> resolve to the given addresses (use a name no other test uses).</summary>
    public static void Register(string name, params string[] addresses) => Names[name] = [.. addresses.Select(IPAddress.Parse)];

    public static bool WasAsked(string name) => Asked.Contains(name, StringComparer.OrdinalIgnoreCase);
}
