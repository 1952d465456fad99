using System.Net;
using System.Net.Sockets;
using System.Text;
using Datalyptica.Tests.Verification;

namespace Datalyptica.Tests.Components.HAProxy;

/// <summary>
/// Answers every HTTP request on a loopback port with 200 and a fixed body, whatever the Host header (HAProxy's route
/// checks send the site's domain, which HttpListener would refuse).
/// </summary>
internal sealed class FixedHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public FixedHttpServer(string body)
    {
        _listener.Start();
        var bytes = Encoding.UTF8.GetBytes(body);
        var response = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n")
            .Concat(bytes).ToArray();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(); } catch (Exception) { return; }
                using (client)
                {
                    try
                    {
                        var stream = client.GetStream();
                        var request = new byte[8192];
                        var read = 0;
                        // Until the end of the request head; HAProxy's checks send no body.
                        while (read < request.Length && !Encoding.ASCII.GetString(request, 0, read).Contains("\r\n\r\n"))
                        {
                            var n = await stream.ReadAsync(request.AsMemory(read));
                            if (n == 0) break;
                            read += n;
                        }
                        await stream.WriteAsync(response);
                    }
                    catch (IOException) { }
                }
            }
        });
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void Dispose() => _listener.Stop();
}

/// <summary>The real HAProxy (Debian's, as on the hosts) running given health-check lines against loopback servers.</summary>
internal static class RealHaproxy
{
    /// <summary>
    /// Runs one backend with <paramref name="checkLines"/> (option httpchk / http-check lines, copied from a rendered
    /// file) and one checked server per entry (fall 1, rise 1), and returns each server's status from the stats socket
    /// once every server has a finished check (at most 30 s).
    /// </summary>
    public static async Task<Dictionary<string, string>> ServerStatesAsync(IEnumerable<string> checkLines, IReadOnlyList<(string Name, int Port)> servers)
    {
        var dir = Directory.CreateTempSubdirectory("dl-haproxy-check-");
        try
        {
            var socket = Path.Combine(dir.FullName, "stats.sock");
            var config = new StringBuilder()
                .Append($"global\n    stats socket {socket} mode 600 level admin\n")
                .Append("defaults\n    mode http\n    timeout connect 2s\n    timeout client 5s\n    timeout server 5s\n")
                .Append("backend checked\n");
            foreach (var line in checkLines) config.Append("    ").Append(line.Trim()).Append('\n');
            config.Append("    default-server inter 200ms fall 1 rise 1\n");
            foreach (var (name, port) in servers) config.Append($"    server {name} 127.0.0.1:{port} check\n");
            var file = Path.Combine(dir.FullName, "haproxy.cfg");
            await File.WriteAllTextAsync(file, config.ToString());
            using var haproxy = ServerProcess.Start("haproxy", "haproxy", ["-db", "-f", file]);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            var states = new Dictionary<string, (string Status, string Check)>();
            while (DateTime.UtcNow < deadline)
            {
                if (haproxy.Exited) throw new InvalidOperationException($"haproxy exited:\n{haproxy.Output}\n{config}");
                if (File.Exists(socket))
                {
                    states = Parse(await AskAsync(socket, "show stat"));
                    // check_status is empty or INI before the first check, and starts with '*' while one runs.
                    if (states.Count == servers.Count && states.Values.All(s => s.Check is not ("" or "INI") && !s.Check.StartsWith('*')))
                        return states.ToDictionary(s => s.Key, s => s.Value.Status);
                }
                await Task.Delay(100);
            }
            throw new TimeoutException($"haproxy's servers did not settle in 30 s: {string.Join(", ", states)}\n{haproxy.Output}\n{config}");
        }
        finally { dir.Delete(true); }
    }

    private static async Task<string> AskAsync(string socketPath, string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"));
        using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    /// <summary>show stat CSV (HAProxy management guide, 9.1): svname is field 1, status 17, check_status 36; server rows only.</summary>
    private static Dictionary<string, (string Status, string Check)> Parse(string csv) =>
        csv.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split(','))
            .Where(f => f.Length > 36 && f[1] is not ("FRONTEND" or "BACKEND"))
            .ToDictionary(f => f[1], f => (f[17], f[36]));
}
