using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Datalyptica.Contracts;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Artifacts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Secrets;

namespace Datalyptica.Tests.Engine.Resources;

/// <summary>
/// A Python application's wheelhouse, installed for real: this machine's python3 makes the virtualenv and its pip
/// installs from a wheelhouse the test builds (a wheel written by hand: a zip with its dist-info and RECORD, a console
/// script), through plan and apply with the commands the plan emits, every path under a temp root. No network: pip
/// runs with --no-index. Skipped nowhere: python3 with venv is a prerequisite of this machine (setup.sh).
/// </summary>
public sealed class WheelhouseInstallTests : IDisposable
{
    private readonly TempRoot _root = new();
    private readonly TempRoot _site = new();
    private readonly LocalTestTransport _transport = new("h1");

    public void Dispose() { _root.Dispose(); _site.Dispose(); }

    private PlanOptions Options => new() { Root = _root.Path, ResolveSecret = _ => null };

    private ApplyOptions ApplyOptions => new()
    {
        JournalDirectory = _site["/.datalyptica/journal"],
        Artifacts = new ArtifactStore(_site["/.datalyptica/artifacts"]),
        ResolveSecret = Options.ResolveSecret,
        Masker = new SecretMasker(),
        Parallelism = 1,
    };

    private async Task<Plan> PlanAsync(ArtifactResource artifact) =>
        await Planner.PlanAsync("test", [new HostDesiredState("h1", [new LayeredResource(Layer.Analytics, artifact)])],
            _ => _transport, Options, new SecretMasker(), CancellationToken.None);

    private async Task<ArtifactResource> Resource(string version, string tarball) =>
        new("dltool", version, new ArtifactSource(new Uri(tarball).AbsoluteUri, await ArtifactFetch.Sha512Async(tarball, CancellationToken.None)))
            { Format = ArchiveFormat.Wheelhouse };

    private string Install(string version) => _root[$"/opt/datalyptica/dltool/{version}"];
    private string Current => _root["/opt/datalyptica/dltool/current"];

    [Fact]
    public async Task Installs_a_venv_per_version_from_the_wheelhouse_then_a_second_run_is_a_noop()
    {
        var artifact = await Resource("1.0", Wheelhouse("1.0"));
        var plan = await PlanAsync(artifact);
        var commands = plan.Hosts.Single().Changes.SelectMany(c => c.Steps).Select(s => s.Text ?? "").ToList();
        commands.ShouldContain(c => c.Contains("python3 -m venv") && c.Contains("--no-index") && c.Contains("--require-hashes"));

        var result = await PlanApplier.ApplyAsync(plan, _ => _transport, ApplyOptions, CancellationToken.None);
        result.Status.ShouldBe(ApplyStatus.Completed, result.Message + string.Join("; ", result.Failures));

        // The console script pip wrote runs from `current`, with the venv's own interpreter.
        Run(Current + "/bin/dltool").ShouldBe("dltool 1.0\n");
        File.ReadAllText(Path.Combine(Install("1.0"), ArtifactResource.MarkerName)).ShouldBe(artifact.Source!.Sha512 + "\n");
        new FileInfo(Current).LinkTarget.ShouldBe(Install("1.0"));
        Directory.Exists(WheelhouseInstall.WheelhouseDirectory(Install("1.0"))).ShouldBeFalse("the unpacked wheelhouse is removed");
        File.Exists(artifact.ArchivePath(_root.Path)).ShouldBeFalse("the uploaded tarball is removed");

        var converged = _root.Fingerprint();
        var second = await PlanAsync(artifact);
        second.PendingCount.ShouldBe(0, PlanHumanView.Render(second));
        (await PlanApplier.ApplyAsync(second, _ => _transport, ApplyOptions, CancellationToken.None)).Applied.ShouldBe(0);
        _root.Fingerprint().ShouldBe(converged, "a second run changes nothing");
    }

    [Fact]
    public async Task An_upgrade_gets_its_own_venv_switches_current_and_keeps_the_previous_one()
    {
        (await PlanApplier.ApplyAsync(await PlanAsync(await Resource("1.0", Wheelhouse("1.0"))), _ => _transport, ApplyOptions, CancellationToken.None))
            .Status.ShouldBe(ApplyStatus.Completed);
        var upgrade = await PlanApplier.ApplyAsync(await PlanAsync(await Resource("1.1", Wheelhouse("1.1"))), _ => _transport, ApplyOptions, CancellationToken.None);
        upgrade.Status.ShouldBe(ApplyStatus.Completed, upgrade.Message + string.Join("; ", upgrade.Failures));

        Run(Current + "/bin/dltool").ShouldBe("dltool 1.1\n");
        Run(Install("1.0") + "/bin/dltool").ShouldBe("dltool 1.0\n", "the previous version stays runnable for a rollback");
    }

    [Fact]
    public async Task A_wheel_with_one_changed_byte_is_refused_by_its_hash_and_nothing_becomes_current()
    {
        // The tarball itself is pinned correctly (its SHA-512 matches), but a wheel in it differs from the hash its
        // requirements file records: pip's hash-checking mode refuses it, so no marker is written and current never moves.
        var artifact = await Resource("1.0", Wheelhouse("1.0", tamper: true));
        var result = await PlanApplier.ApplyAsync(await PlanAsync(artifact), _ => _transport, ApplyOptions, CancellationToken.None);

        result.Status.ShouldBe(ApplyStatus.Failed);
        var failure = result.Failures.ShouldHaveSingleItem();
        failure.ResourceId.ShouldBe("artifact:dltool");
        failure.Stderr.ShouldContain("DO NOT MATCH THE HASHES");
        File.Exists(Path.Combine(Install("1.0"), ArtifactResource.MarkerName)).ShouldBeFalse();
        File.Exists(Current).ShouldBeFalse();
        Directory.Exists(Current).ShouldBeFalse();

        // The next plan sees the half-built venv for what it is and builds it again.
        (await PlanAsync(artifact)).Hosts.Single().Changes.ShouldContain(c => c.Reason.Contains("not installed"));
    }

    private static string Run(string executable)
    {
        using var process = Process.Start(new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(30_000).ShouldBeTrue();
        process.ExitCode.ShouldBe(0, process.StandardError.ReadToEnd());
        return output;
    }

    /// <summary>
    /// A wheelhouse tarball as docs/PYTHON-APPS.md defines it: one folder with the wheel and a requirements file pinning
    /// it by hash (what <c>pip download</c> plus <c>pip hash</c> give). <paramref name="tamper"/> changes one byte of the
    /// wheel after its hash was recorded.
    /// </summary>
    private string Wheelhouse(string version, bool tamper = false)
    {
        var folder = _site[$"/build-{version}/dltool-{version}-wheelhouse"];
        Directory.CreateDirectory(folder);
        var wheelName = $"dltool-{version}-py3-none-any.whl";
        var wheel = Wheel(version);
        var hash = Convert.ToHexStringLower(SHA256.HashData(wheel));
        if (tamper)
        {
            // Stored uncompressed: the module's text is in the zip as is; its last digit becomes another.
            var at = wheel.AsSpan().IndexOf(Encoding.UTF8.GetBytes($"dltool {version}\""));
            at.ShouldBeGreaterThan(0);
            wheel[at + $"dltool {version}".Length - 1] ^= 1;
        }
        File.WriteAllBytes(Path.Combine(folder, wheelName), wheel);
        File.WriteAllText(Path.Combine(folder, WheelhouseInstall.RequirementsFile), $"dltool=={version} \\\n    --hash=sha256:{hash}\n");

        var tarball = _site[$"/dltool-{version}-wheelhouse.tar.gz"];
        using var tar = Process.Start(new ProcessStartInfo("tar", ["-czf", tarball, "-C", Path.GetDirectoryName(folder)!, Path.GetFileName(folder)]))!;
        tar.WaitForExit(30_000).ShouldBeTrue();
        tar.ExitCode.ShouldBe(0);
        return tarball;
    }

    /// <summary>A pure-Python wheel (PEP 427): a module, METADATA, WHEEL, a console_scripts entry point and RECORD.</summary>
    private static byte[] Wheel(string version)
    {
        var info = $"dltool-{version}.dist-info";
        var files = new List<(string Name, string Text)>
        {
            ("dltool/__init__.py", $"def main():\n    print(\"dltool {version}\")\n"),
            ($"{info}/METADATA", $"Metadata-Version: 2.1\nName: dltool\nVersion: {version}\n"),
            ($"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: datalyptica-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
            ($"{info}/entry_points.txt", "[console_scripts]\ndltool = dltool:main\n"),
        };
        var record = new StringBuilder();
        foreach (var (name, text) in files)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var digest = Convert.ToBase64String(SHA256.HashData(bytes)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            record.Append($"{name},sha256={digest},{bytes.Length}\n");
        }
        record.Append($"{info}/RECORD,,\n");
        files.Add(($"{info}/RECORD", record.ToString()));

        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, text) in files)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
                entry.LastWriteTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
                using var writer = entry.Open();
                writer.Write(Encoding.UTF8.GetBytes(text));
            }
        return stream.ToArray();
    }
}
