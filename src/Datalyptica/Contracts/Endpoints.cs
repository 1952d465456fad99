using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Datalyptica.Contracts;

/// <summary>ADDR:PORT as settings and options write it (the repository's listen address, --listen).</summary>
public static class Endpoints
{
    /// <summary>Parses ADDR:PORT (IPv6 as [ADDR]:PORT).</summary>
    public static IPEndPoint Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535)
        {
            var host = text[..colon];
            if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
            else if (host.Contains(':')) host = ""; // IPv6 without brackets is ambiguous
            if (IPAddress.TryParse(host, out var address)) return new IPEndPoint(address, port);
        }
        throw new ArgumentException($"'{text}' is not ADDR:PORT. Fix: for example --listen 10.77.0.1:8080 or 127.0.0.1:8080.");
    }

    public static string Format(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]:{endpoint.Port}" : $"{endpoint.Address}:{endpoint.Port}";
}
