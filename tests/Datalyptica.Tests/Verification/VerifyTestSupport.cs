using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Datalyptica.Contracts.Health;
using Datalyptica.Engine.Transport;
using Datalyptica.Model;
using Datalyptica.Secrets;
using Datalyptica.Tests.Rendering;
using Datalyptica.Verification;

namespace Datalyptica.Tests.Verification;

/// <summary>
/// A real server started by the test in the foreground, killed by its own PID on dispose (never by name). Its output is
/// kept for failure messages; <see cref="WaitForPort"/> bounds start-up.
/// </summary>
internal sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Func<int?>? _realPid;

    private ServerProcess(Process process, string name, Func<int?>? realPid)
    {
        _process = process;
        Name = name;
        _realPid = realPid;
    }

    public string Name { get; }
    public string Output => string.Join('\n', _output);
    public bool Exited => _process.HasExited;

    /// <param name="realPid">For wrappers (runuser): the PID of the server itself, read from its pid file, to stop it by.</param>
    public static ServerProcess Start(string name, string file, IEnumerable<string> args, Func<int?>? realPid = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(Tool.Resolve(file))
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        var server = new ServerProcess(process, name, realPid);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) server._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) server._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    public ServerProcess WaitForPort(int port, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, port);
                return this;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline) { Thread.Sleep(50); }
            catch (SocketException) { throw new TimeoutException($"{Name} did not listen on 127.0.0.1:{port} within {seconds} s:\n{Output}"); }
        }
    }

    /// <summary>The first child of this process (the server a wrapper such as runuser forked), from /proc.</summary>
    public int? ChildPid()
    {
        var path = $"/proc/{_process.Id}/task/{_process.Id}/children";
        if (!File.Exists(path)) return null;
        var first = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return int.TryParse(first, out var pid) ? pid : null;
    }

    public void Stop()
    {
        if (_process.HasExited) return;
        if (_realPid?.Invoke() is { } pid)
            // SIGTERM, not KILL: Patroni and PostgreSQL shut their own children down on TERM; a KILL would orphan them.
            Tool.Run("kill", ["-TERM", pid.ToString()]);
        if (!_process.WaitForExit(_realPid is null ? 0 : 10_000)) _process.Kill();
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        try { Stop(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }

    /// <summary>A real single-member etcd (Debian's) on loopback with its data under <paramref name="dataDir"/>; its client port.</summary>
    public static ServerProcess StartEtcd(string dataDir, out int clientPort)
    {
        int client = FreePort(), peer = FreePort();
        clientPort = client;
        return Start("etcd", "etcd", ["--name", "e1", "--data-dir", dataDir,
            "--listen-client-urls", $"http://127.0.0.1:{client}", "--advertise-client-urls", $"http://127.0.0.1:{client}",
            "--listen-peer-urls", $"http://127.0.0.1:{peer}", "--initial-advertise-peer-urls", $"http://127.0.0.1:{peer}",
            "--initial-cluster", $"e1=http://127.0.0.1:{peer}"]).WaitForPort(client);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Sites on loopback: every host at 127.0.0.1, each service on its own free port set through host variables.</summary>
internal static class LoopbackSite
{
    public static Host Host(string name, string[] groups, params (string Key, object Value)[] vars) =>
        new(name, IPAddress.Loopback, Tier.Coordination, 2, 8, [], groups)
        {
            Vars = vars.ToDictionary(v => v.Key, v => new Setting(v.Value, null)),
        };

    public static Site Of(string name, IEnumerable<Host> hosts, IEnumerable<Vip>? vips = null) =>
        new(name, "test", SiteRole.Primary, "example.test", hosts.ToList(), (vips ?? []).ToList(), null, new Dictionary<string, string>());

    /// <summary>Probes straight to the address (no SSH) and a shell on this machine: the probes' own logic against real servers.</summary>
    public static Task<IProbeAccess> Direct(Host host, CancellationToken _) =>
        Task.FromResult<IProbeAccess>(new TransportProbeAccess(new LocalTransport(host.Name, commandTimeout: TimeSpan.FromSeconds(10)), forwardPorts: false));

    public static VerifyOptions Options(string component, params (string Name, string Value)[] secrets) => new()
    {
        Component = component,
        CheckUnits = false, // this machine has no systemd as PID 1: units are checked over SSH on real hosts
        Timeout = TimeSpan.FromSeconds(3),
        ResolveSecret = n => secrets.Where(s => s.Name == n).Select(s => new Secret(s.Value)).FirstOrDefault(),
        Masker = new SecretMasker(secrets.Select(s => new Secret(s.Value))),
    };

    public static VerifyReport Verify(Site site, VerifyOptions options) =>
        Verifier.VerifyAsync(site, Direct, options, CancellationToken.None).GetAwaiter().GetResult();

    public static HealthCheck Check(this VerifyReport report, string host, string check) =>
        report.Checks.SingleOrDefault(c => c.Host == host && c.Check == check)
        ?? throw new ShouldAssertException($"no check '{check}' on {host} in:\n{Describe(report)}");

    public static string Describe(VerifyReport report) =>
        string.Join('\n', report.Checks.Select(c => $"{c.Component} {c.Host} {c.Check}: {c.Status} {c.Detail} ({c.Latency.TotalMilliseconds:0} ms)"));

    /// <summary>Polls verify until a condition holds (servers settle: replicas link, peers connect), bounded.</summary>
    public static VerifyReport VerifyUntil(Site site, VerifyOptions options, Func<VerifyReport, bool> done, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var report = Verify(site, options);
            if (done(report)) return report;
            if (DateTime.UtcNow > deadline) throw new ShouldAssertException($"not reached within {seconds} s:\n{Describe(report)}");
            Thread.Sleep(250);
        }
    }
}
