using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Datalyptica.Engine.Repository;

namespace Datalyptica.Lab.ObjectStore;

/// <summary>
/// Where the lab's S3 server is installed, keeps its data and listens. s3rver (npm) is a TEST DOUBLE with the real S3
/// wire protocol: it accepts only the access key id <see cref="AccessKeyId"/> and verifies no SigV4 signature at all,
/// so the secret key is never checked. Fine for a lab on a private bridge; never a production object store.
/// </summary>
public sealed record LabObjectStoreOptions
{
    public const string S3rverVersion = "3.7.1";
    /// <summary>The name lab hosts reach the store by (their /etc/hosts maps it to the bridge): the certificate's SAN.</summary>
    public const string DnsName = "s3.lab.datalyptica.internal";
    public const int DefaultPort = 9000;
    public const string Region = "us-east-1";
    /// <summary>s3rver's one built-in account: any other key id gets InvalidAccessKeyId. Its secret is never verified (SigV4 is unimplemented).</summary>
    public const string AccessKeyId = "S3RVER";
    public const string SecretAccessKey = "S3RVER";

    /// <summary>Bucket per purpose (<see cref="Model.ObjectStore.AllBucketPurposes"/>, the compliance archive too), created at every start.</summary>
    public static readonly IReadOnlyDictionary<string, string> Buckets =
        Model.ObjectStore.AllBucketPurposes.ToDictionary(p => p, p => $"lab-{p}");

    /// <summary>Cached install, shared by every lab under one root (like the base image).</summary>
    public required string InstallDirectory { get; init; }
    /// <summary>Per store: certificates, data, state, log. Under the lab folder, so `lab down` removes it.</summary>
    public required string StateDirectory { get; init; }
    public required string Address { get; init; }
    public int Port { get; init; } = DefaultPort;
    public TimeSpan StartWait { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Apply the common-prefix fix (always, except to show what it fixes on a separate unpatched copy).</summary>
    public bool ApplyPatch { get; init; } = true;

    public string Endpoint => $"https://{DnsName}:{Port}";
    public string PackageDirectory => Path.Combine(InstallDirectory, "node_modules", "s3rver");
    public string DataDirectory => Path.Combine(StateDirectory, "data");
    public string CaCertificateFile => Path.Combine(StateDirectory, "ca.crt");
    public string CaKeyFile => Path.Combine(StateDirectory, "ca.key");
    public string ServerCertificateFile => Path.Combine(StateDirectory, "server.crt");
    public string ServerKeyFile => Path.Combine(StateDirectory, "server.key");
    public string StateFile => Path.Combine(StateDirectory, "state.json");
    public string LogFile => Path.Combine(StateDirectory, "s3rver.log");

    /// <summary>
    /// The site's object store for this server (what the lab site carries under datalyptica_object_store). The vault
    /// must hold vault_s3_access_key = <see cref="AccessKeyId"/>; vault_s3_secret_key may be anything (never checked).
    /// </summary>
    public Model.ObjectStore SiteObjectStore(string caCertificatePem) =>
        new(Endpoint, Region, Buckets, new Model.SecretRef("vault_s3_access_key"), new Model.SecretRef("vault_s3_secret_key"))
        {
            PathStyle = true,
            CaCertificate = caCertificatePem,
        };

    /// <summary>The lab's store: on the bridge address, port 9000, installed once under the lab root.</summary>
    public static LabObjectStoreOptions ForLab(LabOptions lab) => new()
    {
        InstallDirectory = Path.Combine(lab.Root, "s3rver", S3rverVersion),
        StateDirectory = Path.Combine(lab.LabDirectory, "object-store"),
        Address = lab.BridgeAddress,
    };
}

/// <summary>The running server as recorded: its own PID and start time, so stop never signals a reused PID.</summary>
public sealed record LabObjectStoreState(int Pid, long PidStart, string Address, int Port, string Endpoint)
{
    public static LabObjectStoreState? Load(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<LabObjectStoreState>(File.ReadAllText(path)) : null;
}

public sealed record LabObjectStoreStatus(bool Running, int? Pid, string Endpoint, string Address, int Port);

public sealed record LabObjectStoreInstall(bool Installed, bool Patched, TimeSpan Elapsed);

/// <summary>
/// The lab's S3 server (issue 6): s3rver from npm, patched, over HTTPS with the
/// lab's CA, buckets configured at start, run in the background and stopped by its recorded PID.
/// </summary>
public sealed class LabObjectStore(LabObjectStoreOptions options, Action<string>? log = null)
{
    /// <summary>Marker the patch adds: its presence makes applying it again a no-op.</summary>
    public const string PatchMarker = "datalyptica patch";
    public const string PatchResource = "Datalyptica.Lab.ObjectStore.s3rver-common-prefixes.patch";
    private readonly Action<string> _log = log ?? (_ => { });

    public LabObjectStoreOptions Options => options;

    /// <summary>
    /// The fix to s3rver 3.7.1's listing with delimiter=/: it pruned every directory beneath a common prefix, so a
    /// prefix that holds only sub-prefixes (pgbackrest/archive/STANZA/ holds only 15-1/) was never listed. pgBackRest
    /// then finds no WAL or backup folders to remove and `expire`/`verify` exit 0 while deleting nothing.
    /// </summary>
    public static string PatchText()
    {
        using var stream = typeof(LabObjectStore).Assembly.GetManifestResourceStream(PatchResource)
            ?? throw new InvalidOperationException($"embedded resource {PatchResource} is missing from {typeof(LabObjectStore).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static bool IsPatched(string packageDirectory)
    {
        var file = Path.Combine(packageDirectory, "lib", "stores", "filesystem.js");
        return File.Exists(file) && File.ReadAllText(file).Contains(PatchMarker, StringComparison.Ordinal);
    }

    /// <summary>Installs s3rver once into the cached folder (npm), then applies the patch unless it is already there.</summary>
    public async Task<LabObjectStoreInstall> EnsureInstalledAsync(CancellationToken cancellation)
    {
        var clock = Stopwatch.StartNew();
        var installed = false;
        if (InstalledVersion(options.PackageDirectory) != LabObjectStoreOptions.S3rverVersion)
        {
            var npm = LabSystem.FindTool("npm") ?? throw new LabException(
                "npm is not installed; the lab's S3 server (s3rver) comes from the npm registry. Fix: apt-get install nodejs npm (setup.sh does).");
            Directory.CreateDirectory(options.InstallDirectory);
            // Its own package.json, so npm installs here and never walks up into another project.
            File.WriteAllText(Path.Combine(options.InstallDirectory, "package.json"), "{ \"name\": \"datalyptica-lab-s3rver\", \"private\": true }\n");
            _log($"installing s3rver {LabObjectStoreOptions.S3rverVersion} from npm into {options.InstallDirectory}");
            var result = await ToolProcess.RunAsync(npm,
                ["install", "--no-audit", "--no-fund", "--save-exact", $"s3rver@{LabObjectStoreOptions.S3rverVersion}"],
                TimeSpan.FromMinutes(5), cancellation, workingDirectory: options.InstallDirectory);
            if (!result.Succeeded || InstalledVersion(options.PackageDirectory) != LabObjectStoreOptions.S3rverVersion)
                throw new LabException($"`npm install s3rver@{LabObjectStoreOptions.S3rverVersion}` in {options.InstallDirectory} failed (exit {result.ExitCode}): " +
                    $"{LabSystem.Tail(result.Stderr + result.Stdout)}. Fix: check that the npm registry is reachable, then run again.");
            installed = true;
        }
        var patched = false;
        if (options.ApplyPatch && !IsPatched(options.PackageDirectory))
        {
            var patchFile = Path.Combine(options.InstallDirectory, "s3rver-common-prefixes.patch");
            File.WriteAllText(patchFile, PatchText());
            var result = await LabSystem.RunAsync("patch", ["-p1", "--forward", "--batch", "-d", options.PackageDirectory, "-i", patchFile], cancellation);
            if (!result.Succeeded || !IsPatched(options.PackageDirectory))
                throw new LabException($"patching s3rver in {options.PackageDirectory} failed (exit {result.ExitCode}): {LabSystem.Tail(result.Stdout + result.Stderr)}. " +
                    $"Fix: delete {options.InstallDirectory} so it is installed afresh.");
            patched = true;
        }
        return new LabObjectStoreInstall(installed, patched, clock.Elapsed);
    }

    private static string? InstalledVersion(string packageDirectory)
    {
        var file = Path.Combine(packageDirectory, "package.json");
        if (!File.Exists(file)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        return doc.RootElement.TryGetProperty("version", out var v) ? v.GetString() : null;
    }

    /// <summary>
    /// The CA (kept across restarts of the same store, so hosts that already trust it keep doing so) and a fresh
    /// server certificate for <see cref="LabObjectStoreOptions.DnsName"/> and the listen address.
    /// </summary>
    public void EnsureCertificates()
    {
        Directory.CreateDirectory(options.StateDirectory);
        PemPair ca;
        if (File.Exists(options.CaCertificateFile) && File.Exists(options.CaKeyFile))
            ca = new PemPair(File.ReadAllText(options.CaCertificateFile), File.ReadAllText(options.CaKeyFile));
        else
        {
            ca = LabCertificates.CreateCa("datalyptica lab CA", TimeSpan.FromDays(3650));
            IO.AtomicFile.Write(options.CaKeyFile, ca.PrivateKeyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            IO.AtomicFile.Write(options.CaCertificateFile, ca.CertificatePem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
        var server = LabCertificates.CreateServer(ca, LabObjectStoreOptions.DnsName, [IPAddress.Parse(options.Address)], TimeSpan.FromDays(825));
        IO.AtomicFile.Write(options.ServerKeyFile, server.PrivateKeyPem, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        IO.AtomicFile.Write(options.ServerCertificateFile, server.CertificatePem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    public string CaCertificatePem() => File.ReadAllText(options.CaCertificateFile);

    /// <summary>Installs if needed, makes certificates, starts s3rver in the background and waits until HTTPS answers. Idempotent.</summary>
    public async Task<LabObjectStoreState> StartAsync(CancellationToken cancellation)
    {
        var existing = LabObjectStoreState.Load(options.StateFile);
        if (existing is not null && LabSystem.IsSame(existing.Pid, existing.PidStart)) return existing;
        await EnsureInstalledAsync(cancellation);
        EnsureCertificates();
        Directory.CreateDirectory(options.DataDirectory);
        var node = LabSystem.FindTool("node") ?? throw new LabException("node is not installed. Fix: apt-get install nodejs npm (setup.sh does).");
        if (await PortAnswersAsync(cancellation, useTls: false))
            throw new LabException($"{options.Address}:{options.Port} is already in use; the lab's S3 server cannot listen there. " +
                "Fix: stop what listens there (ss -ltnp) or give the store another port.");

        // setsid: its own session, so a Ctrl-C of the CLI does not reach it and it outlives `lab up`. sh only redirects
        // and execs, so the PID we record is node's own.
        var start = new ProcessStartInfo("setsid") { UseShellExecute = false };
        string[] args =
        [
            "sh", "-c", "exec \"$@\" </dev/null >>\"$LOG\" 2>&1", "s3rver",
            node, Path.Combine(options.PackageDirectory, "bin", "s3rver.js"),
            "--directory", options.DataDirectory, "--address", options.Address, "--port", options.Port.ToString(),
            "--key", options.ServerKeyFile, "--cert", options.ServerCertificateFile, "--no-vhost-buckets", "--silent",
        ];
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var bucket in LabObjectStoreOptions.Buckets.Values) { start.ArgumentList.Add("--configure-bucket"); start.ArgumentList.Add(bucket); }
        start.Environment["LOG"] = options.LogFile;
        using var process = Process.Start(start) ?? throw new LabException("could not start setsid for s3rver");
        var pid = process.Id;
        var pidStart = LabSystem.StartTime(pid) ?? throw new LabException($"s3rver exited at once; see {options.LogFile}");
        var state = new LabObjectStoreState(pid, pidStart, options.Address, options.Port, options.Endpoint);
        IO.AtomicFile.Write(options.StateFile, JsonSerializer.Serialize(state) + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var clock = Stopwatch.StartNew();
        while (!await PortAnswersAsync(cancellation))
        {
            if (!LabSystem.IsSame(pid, pidStart))
                throw new LabException($"s3rver exited during start: {LabSystem.Tail(File.Exists(options.LogFile) ? File.ReadAllText(options.LogFile) : "")} (log {options.LogFile}).");
            if (clock.Elapsed > options.StartWait)
            {
                await StopAsync(cancellation);
                throw new LabException($"s3rver did not answer HTTPS on {options.Address}:{options.Port} within {options.StartWait.TotalSeconds:0} s; see {options.LogFile}.");
            }
            await Task.Delay(100, cancellation);
        }
        _log($"S3 server (s3rver {LabObjectStoreOptions.S3rverVersion}, test double) on {options.Endpoint} -> {options.Address}:{options.Port}, pid {pid}");
        return state;
    }

    /// <summary>TERM to the recorded PID (only if it is still the same process), KILL after 10 s. Safe to repeat.</summary>
    public async Task<bool> StopAsync(CancellationToken cancellation)
    {
        var state = LabObjectStoreState.Load(options.StateFile);
        if (state is null) return false;
        var stopped = false;
        if (LabSystem.IsSame(state.Pid, state.PidStart))
        {
            LabSystem.Signal(state.Pid, LabSystem.SigTerm);
            stopped = true;
            var clock = Stopwatch.StartNew();
            while (LabSystem.IsSame(state.Pid, state.PidStart) && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(100, CancellationToken.None);
            if (LabSystem.IsSame(state.Pid, state.PidStart)) LabSystem.Signal(state.Pid, LabSystem.SigKill);
        }
        File.Delete(options.StateFile);
        return stopped;
    }

    public LabObjectStoreStatus Status()
    {
        var state = LabObjectStoreState.Load(options.StateFile);
        return new LabObjectStoreStatus(state is not null && LabSystem.IsSame(state.Pid, state.PidStart), state?.Pid, options.Endpoint, options.Address, options.Port);
    }

    /// <summary>Objects stored in a bucket (s3rver keeps one KEY._S3rver_object file per object): the ground truth, not a listing.</summary>
    public IReadOnlyList<string> ObjectKeys(string bucket)
    {
        const string suffix = "._S3rver_object";
        var root = Path.Combine(options.DataDirectory, bucket);
        if (!Directory.Exists(root)) return [];
        return Directory.EnumerateFiles(root, "*" + suffix, SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f)[..^suffix.Length]).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Does HTTPS answer there, with a certificate our CA signed for the DNS name? Any HTTP response counts.</summary>
    private async Task<bool> PortAnswersAsync(CancellationToken cancellation, bool useTls = true)
    {
        using var tcp = new TcpClient();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await tcp.ConnectAsync(IPAddress.Parse(options.Address), options.Port, timeout.Token);
            if (!useTls) return true;
            using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(options.CaCertificateFile));
            await using var tls = new SslStream(tcp.GetStream(), false, (_, cert, _, _) =>
            {
                if (cert is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(cert)) && new X509Certificate2(cert).MatchesHostname(LabObjectStoreOptions.DnsName);
            });
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = LabObjectStoreOptions.DnsName }, timeout.Token);
            await tls.WriteAsync("GET / HTTP/1.1\r\nHost: s3\r\nConnection: close\r\n\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[12];
            var read = await tls.ReadAsync(buffer, timeout.Token);
            return read >= 5 && System.Text.Encoding.ASCII.GetString(buffer, 0, 5) == "HTTP/";
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
        {
            if (cancellation.IsCancellationRequested) throw;
            return false;
        }
    }
}
