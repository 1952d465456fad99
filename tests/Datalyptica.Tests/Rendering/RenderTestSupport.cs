using System.Diagnostics;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Rendering;

namespace Datalyptica.Tests.Rendering;

/// <summary>Sites rendered once per test run (rendering is pure, so sharing is safe).</summary>
internal static class RenderedSites
{
    private static readonly Lazy<RenderedSite> LazyProduction = new(() => RenderedSite.Of(BuiltInProfiles.Production));
    private static readonly Lazy<RenderedSite> LazyDevelopment = new(() => RenderedSite.Of(BuiltInProfiles.Development));
    private static readonly Lazy<RenderedSite> LazyStaging = new(() => RenderedSite.Of(BuiltInProfiles.Staging));
    private static readonly Lazy<RenderedSite> LazyGenerated = new(() => RenderedSite.Of(BuiltInProfiles.Production, 1000));

    public static RenderedSite Production => LazyProduction.Value;
    public static RenderedSite Development => LazyDevelopment.Value;
    public static RenderedSite Staging => LazyStaging.Value;
    /// <summary>The production profile grown to 1,000 hosts.</summary>
    public static RenderedSite Generated1000 => LazyGenerated.Value;

    public static IEnumerable<RenderedSite> All => [Development, Staging, Production, Generated1000];

    /// <summary>For theories: "development", "staging", "production" or "generated-1000".</summary>
    public static RenderedSite ByName(string name) => name switch
    {
        "development" => Development,
        "staging" => Staging,
        "production" => Production,
        "generated-1000" => Generated1000,
        _ => throw new ArgumentException($"no rendered site '{name}'", nameof(name)),
    };
}

internal sealed record RenderedSite(Site Site, IReadOnlyList<HostFiles> Hosts)
{
    // A fixed cluster id keeps renders comparable between runs.
    public static RenderedSite Of(Profile profile, int? hosts = null)
    {
        var site = ProfileExpander.Expand(profile, hostCount: hosts, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk");
        return new RenderedSite(site, SiteRenderer.Render(site));
    }

    public HostFiles Host(string name) => Hosts.Single(h => h.Host.Name == name);

    public RenderedFile File(string host, string path) =>
        Host(host).Files.SingleOrDefault(f => f.Path == path) ?? throw new Xunit.Sdk.XunitException($"{host} has no rendered {path}");

    public IEnumerable<(Host Host, RenderedFile File)> FilesAt(string path) =>
        Hosts.SelectMany(h => h.Files.Where(f => f.Path == path).Select(f => (h.Host, f)));

    public IEnumerable<(Host Host, RenderedFile File)> AllFiles => Hosts.SelectMany(h => h.Files.Select(f => (h.Host, f)));

    public override string ToString() => $"{Site.Name} ({Site.Hosts.Count} hosts)";
}

/// <summary>
/// Writes a host's rendered files under a temp root for real validators, with secret placeholders replaced by
/// dummy values (the real ones are resolved only at apply time).
/// </summary>
internal sealed class HostRoot : IDisposable
{
    public HostRoot(IEnumerable<RenderedFile> files)
    {
        Directory.CreateDirectory(Path);
        foreach (var file in files)
        {
            var target = PathOf(file.Path);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            System.IO.File.WriteAllText(target, SecretPlaceholder.Resolve(file.Content, DummySecret));
        }
    }

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "dl-render-" + Guid.NewGuid().ToString("N")[..12]);

    public string PathOf(string hostPath) => System.IO.Path.Combine(Path, hostPath.TrimStart('/'));

    public static string DummySecret(string name) => "dummy-" + name.Replace('_', '-');

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Runs a real validator from Debian's packages. Missing tools fail the test: CI installs them (setup.sh).</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    public static Result Run(string tool, IEnumerable<string> args, string? workingDirectory = null, string? stdin = null,
        IDictionary<string, string>? environment = null, int timeoutSeconds = 60)
    {
        var path = Resolve(tool);
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null,
            UseShellExecute = false, WorkingDirectory = workingDirectory ?? System.IO.Path.GetTempPath(),
        };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        if (stdin is not null) { process.StandardInput.Write(stdin); process.StandardInput.Close(); }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish in {timeoutSeconds} s");
        }
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Resolve(string tool)
    {
        if (tool.Contains('/')) return System.IO.File.Exists(tool) ? tool : throw Missing(tool);
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            var candidate = System.IO.Path.Combine(dir, tool);
            if (System.IO.File.Exists(candidate)) return candidate;
        }
        throw Missing(tool);
    }

    private static Exception Missing(string tool) =>
        new Xunit.Sdk.XunitException($"'{tool}' is not installed. These tests use the real validator on purpose; run ./setup.sh (CI does).");
}
