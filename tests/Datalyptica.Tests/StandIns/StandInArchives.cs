using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Datalyptica.Contracts;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Tests.Components.ReleaseFiles;

namespace Datalyptica.Tests.StandIns;

/// <summary>
/// One stand-in archive written by <see cref="StandInArchives.WriteAll"/>: <see cref="Path"/> is named like the real
/// release file (import finds it by that name), <see cref="ChecksumPath"/> is upstream's checksum file in the release's
/// declared format beside it, <see cref="Sha512"/> the pin for a site-built artifact (<c>datalyptica_artifacts.ID</c>:
/// the Python applications' wheelhouses, which have no release manifest).
/// </summary>
public sealed record StandInFile(string Artifact, string Version, ArchiveFormat Format, string Path, string ChecksumPath, string Sha512, StandInSpec Spec)
{
    /// <summary>The release manifest it imitates; null for a site-built artifact (pin it with <see cref="Sha512"/> instead).</summary>
    public ArtifactRelease? Release => Spec.Release;
}

/// <summary>
/// Builds release-faithful stand-in archives (docs/STAND-INS.md, layer 2): for each artifact a site installs, an archive
/// of the real release's format and layout (from its ReleaseFiles fixture) whose files are placeholders, except the
/// entry programs, which are the generic stand-in program (<c>standin.py</c>) with the artifact's spec embedded; plus a
/// <see cref="MarkerName"/> entry saying what it is. Lab and tests only: nothing in src/ refers to it.
/// </summary>
public static class StandInArchives
{
    public const string MarkerName = "DATALYPTICA-STAND-IN";
    public const string Placeholder = "stand-in placeholder\n";
    private const string SpecLine = "SPEC = {}  # @@STANDIN-SPEC@@ (the archive builder replaces this line's value with the artifact's spec)";
    private static readonly DateTimeOffset Stamp = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private const UnixFileMode Executable = (UnixFileMode)0b111_101_101;
    private const UnixFileMode Readable = (UnixFileMode)0b110_100_100;

    /// <summary>
    /// Writes the stand-in archive of every artifact <paramref name="site"/> installs, each with its checksum file, as
    /// <c>DIR/ARTIFACT/VERSION/FILE</c> (the layout <c>datalyptica artifacts import --from DIR</c> reads), and returns them.
    /// </summary>
    public static IReadOnlyList<StandInFile> WriteAll(Site site, string outputDirectory) =>
        StandInSpecs.For(site).Select(spec => Write(spec, outputDirectory)).ToList();

    /// <summary>The stand-in program with <paramref name="spec"/> embedded: the file each entry program becomes.</summary>
    public static string Program(StandInSpec spec)
    {
        var script = Resource("standin.py");
        if (!script.Contains(SpecLine, StringComparison.Ordinal)) throw new InvalidDataException("standin.py has no SPEC line to fill");
        // A raw triple-quoted string: JSON never holds three quotes in a row, and json.loads reads its escapes itself.
        return script.Replace(SpecLine, "SPEC = json.loads(r\"\"\"" + spec.ToJson() + "\"\"\")", StringComparison.Ordinal);
    }

    public static StandInFile Write(StandInSpec spec, string outputDirectory)
    {
        var release = spec.Release;
        var fileName = release?.FileName ?? (spec.Format == ArchiveFormat.Wheelhouse
            ? $"{spec.Artifact}-{spec.Version}-wheelhouse.tar.gz" : $"{spec.Artifact}-{spec.Version}-standin.tar.gz");
        var folder = Path.Combine(outputDirectory, spec.Artifact, spec.Version);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, fileName);
        var program = Encoding.UTF8.GetBytes(Program(spec));
        var marker = Encoding.UTF8.GetBytes(Marker(spec, fileName));
        var fixture = ReleaseFixtures.Release.TryLoad(spec.Artifact, spec.Version);
        switch (spec.Format)
        {
            case ArchiveFormat.TarGz when fixture is not null:
                WriteTar(path, TarEntries(spec, fixture, program, marker));
                break;
            case ArchiveFormat.TarGz:
                // No upstream release (a site-built artifact): one top folder holding the programs the plan runs.
                var top = $"{spec.Artifact}-{spec.Version}";
                WriteTar(path, [(top + "/", null, Executable), (top + "/" + MarkerName, marker, Readable),
                    .. spec.EntryPrograms.SelectMany(e => Parents(top, e).Select(d => (d, (byte[]?)null, Executable)).Append((top + "/" + e, program, Executable)))]);
                break;
            case ArchiveFormat.Zip:
                WriteZip(path, ZipEntries(spec, fixture ?? throw new InvalidDataException($"{spec.Artifact} {spec.Version}: no fixture"), program, marker));
                break;
            case ArchiveFormat.File:
                WriteJar(path, program, marker);
                break;
            case ArchiveFormat.Wheelhouse:
                WriteWheelhouse(path, spec, program, marker);
                break;
        }
        var sha512 = Hash(path, ChecksumAlgorithm.Sha512);
        string checksumPath;
        if (release is null)
        {
            checksumPath = path + ".sha512";
            File.WriteAllText(checksumPath, $"{sha512}  {fileName}\n");
        }
        else
        {
            checksumPath = Path.Combine(folder, release.ChecksumFileName);
            File.WriteAllText(checksumPath, ChecksumText(release, Hash(path, release.Checksum.Algorithm)));
        }
        return new StandInFile(spec.Artifact, spec.Version, spec.Format, path, checksumPath, sha512, spec);
    }

    /// <summary>Upstream's checksum file for <paramref name="release"/> with <paramref name="hex"/>, in the declared format.</summary>
    public static string ChecksumText(ArtifactRelease release, string hex) => release.Checksum.Format switch
    {
        ChecksumFormat.Bare => hex + "\n",
        ChecksumFormat.Sums => $"{hex}  {release.FileName}\n",
        // gpg --print-md SHA512 FILE: the name, a colon, upper-case groups of 8 over lines of 6 groups, continuation indented.
        _ => GpgPrintMd(release.FileName, hex),
    };

    private static string GpgPrintMd(string name, string hex)
    {
        var groups = Enumerable.Range(0, hex.Length / 8).Select(i => hex.Substring(i * 8, 8).ToUpperInvariant()).ToList();
        var sb = new StringBuilder(name).Append(':');
        var indent = new string(' ', name.Length + 2);
        for (var i = 0; i < groups.Count; i++)
            sb.Append(i == 0 ? " " : i % 6 == 0 ? "\n" + indent : " ").Append(groups[i]);
        return sb.Append('\n').ToString();
    }

    private static string Marker(StandInSpec spec, string fileName) =>
        $"Datalyptica stand-in for {spec.Artifact} {spec.Version} ({fileName}): NOT the real release.\n" +
        "Same format and layout as upstream's (tests/Datalyptica.Tests/Components/ReleaseFiles), placeholder files; the\n" +
        "entry programs are the generic stand-in program, which records how it was started, checks what the real program\n" +
        "reads at start, and answers on the declared ports with its signature. Lab and tests only (docs/STAND-INS.md).\n" +
        $"Entry programs: {string.Join(", ", spec.EntryPrograms)}\n";

    private static IEnumerable<(string Name, byte[]? Content, UnixFileMode Mode)> TarEntries(StandInSpec spec, ReleaseFixtures.Release fixture, byte[] program, byte[] marker)
    {
        var top = fixture.Entries.Select(e => e.Split('/')[0]).First();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in fixture.Entries)
        {
            var parts = entry.TrimEnd('/').Split('/');
            for (var n = 1; n < parts.Length; n++)
                if (written.Add(string.Join('/', parts[..n]) + "/")) yield return (string.Join('/', parts[..n]) + "/", null, Executable);
            if (entry.EndsWith('/'))
            {
                if (written.Add(entry)) yield return (entry, null, Executable);
                continue;
            }
            if (!written.Add(entry)) continue;
            var rel = string.Join('/', parts[fixture.Strip..]);
            yield return spec.EntryPrograms.Contains(rel) ? (entry, program, Executable) : (entry, Encoding.UTF8.GetBytes(Placeholder), Readable);
        }
        yield return (top + "/" + MarkerName, marker, Readable);
    }

    private static IEnumerable<string> Parents(string top, string relative)
    {
        var parts = relative.Split('/');
        for (var n = 1; n < parts.Length; n++) yield return top + "/" + string.Join('/', parts[..n]) + "/";
    }

    private static void WriteTar(string path, IEnumerable<(string Name, byte[]? Content, UnixFileMode Mode)> entries)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: false);
        foreach (var (name, content, mode) in entries.DistinctBy(e => e.Name))
        {
            var entry = new PaxTarEntry(content is null ? TarEntryType.Directory : TarEntryType.RegularFile, name)
            {
                Mode = mode, ModificationTime = Stamp, Uid = 0, Gid = 0, UserName = "root", GroupName = "root",
            };
            if (content is not null) entry.DataStream = new MemoryStream(content);
            tar.WriteEntry(entry);
        }
    }

    private static IEnumerable<(string Name, byte[]? Content, UnixFileMode Mode)> ZipEntries(StandInSpec spec, ReleaseFixtures.Release fixture, byte[] program, byte[] marker)
    {
        foreach (var entry in fixture.Entries)
            yield return entry == spec.Release?.ZipMember ? (entry, program, Executable)
                : entry.EndsWith('/') ? (entry, null, Executable) : (entry, Encoding.UTF8.GetBytes(Placeholder), Readable);
        yield return (MarkerName, marker, Readable);
    }

    private static void WriteZip(string path, IEnumerable<(string Name, byte[]? Content, UnixFileMode Mode)> entries)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        foreach (var (name, content, mode) in entries)
        {
            var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
            entry.LastWriteTime = Stamp;
            // Unix mode in the high 16 bits (S_IFREG or S_IFDIR), as Info-ZIP writes it: unzip restores it.
            entry.ExternalAttributes = unchecked((int)(((content is null ? 0x4000u : 0x8000u) | (uint)mode) << 16));
            if (content is null) continue;
            using var s = entry.Open();
            s.Write(content);
        }
    }

    // --- Nessie: a runner jar executed by the host's real java -------------------------------------------------------

    private static readonly Lazy<byte[]> LauncherClass = new(CompileLauncher);

    /// <summary>A real jar: its Main-Class runs the stand-in program it carries with python3 (<c>DatalypticaStandIn.java</c>).</summary>
    private static void WriteJar(string path, byte[] program, byte[] marker)
    {
        var manifest = "Manifest-Version: 1.0\r\nMain-Class: DatalypticaStandIn\r\nCreated-By: datalyptica stand-in (not the real release)\r\n\r\n";
        WriteZip(path,
        [
            ("META-INF/", null, Executable),
            ("META-INF/MANIFEST.MF", Encoding.UTF8.GetBytes(manifest), Readable),
            ("DatalypticaStandIn.class", LauncherClass.Value, Readable),
            ("standin.py", program, Readable),
            (MarkerName, marker, Readable),
        ]);
    }

    private static byte[] CompileLauncher()
    {
        var dir = Directory.CreateTempSubdirectory("dl-standin-javac-").FullName;
        try
        {
            var source = Path.Combine(dir, "DatalypticaStandIn.java");
            File.WriteAllText(source, Resource("DatalypticaStandIn.java"));
            Run("javac", ["--release", "17", "-d", dir, source]);
            return File.ReadAllBytes(Path.Combine(dir, "DatalypticaStandIn.class"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    // --- Python applications: a wheelhouse of one pure-Python wheel -------------------------------------------------

    /// <summary>The distribution each Python application is published as on PyPI.</summary>
    private static string Distribution(string artifact) => artifact switch
    {
        "airflow" => "apache-airflow",
        "superset" => "apache-superset",
        _ => artifact,
    };

    private static void WriteWheelhouse(string path, StandInSpec spec, byte[] program, byte[] marker)
    {
        var project = Distribution(spec.Artifact);
        var dist = project.Replace('-', '_');
        var module = "datalyptica_standin_" + spec.Artifact;
        var info = $"{dist}-{spec.Version}.dist-info";
        // Programs the venv provides itself (python, pip) are not console scripts: python -c is answered by the .pth hook.
        var programs = spec.EntryPrograms.Where(e => e.StartsWith("bin/", StringComparison.Ordinal)).Select(e => e[4..]).Distinct().ToList();
        var scripts = programs.Where(p => !p.StartsWith("python", StringComparison.Ordinal) && !p.StartsWith("pip", StringComparison.Ordinal)).ToList();
        var files = new List<(string Name, byte[] Content)>
        {
            ($"{module}.py", program),
            ($"{info}/METADATA", Encoding.UTF8.GetBytes($"Metadata-Version: 2.1\nName: {project}\nVersion: {spec.Version}\n" +
                $"Summary: Datalyptica stand-in for {spec.Artifact} {spec.Version}: NOT the real application (lab and tests only)\n")),
            ($"{info}/WHEEL", Encoding.UTF8.GetBytes("Wheel-Version: 1.0\nGenerator: datalyptica-standin\nRoot-Is-Purelib: true\nTag: py3-none-any\n")),
            ($"{info}/entry_points.txt", Encoding.UTF8.GetBytes("[console_scripts]\n" + string.Concat(scripts.Select(s => $"{s} = {module}:main\n")))),
        };
        if (programs.Any(p => p.StartsWith("python", StringComparison.Ordinal)))
            files.Add(($"{module}.pth", Encoding.UTF8.GetBytes($"import {module}; {module}.venv_hook()\n")));
        var record = new StringBuilder();
        foreach (var (name, content) in files)
            record.Append(name).Append(",sha256=").Append(Convert.ToBase64String(SHA256.HashData(content)).TrimEnd('=').Replace('+', '-').Replace('/', '_'))
                .Append(',').Append(content.Length).Append('\n');
        record.Append(info).Append("/RECORD,,\n");
        files.Add(($"{info}/RECORD", Encoding.UTF8.GetBytes(record.ToString())));
        using var wheelBytes = new MemoryStream();
        using (var zip = new ZipArchive(wheelBytes, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, content) in files)
            {
                var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
                entry.LastWriteTime = Stamp;
                entry.ExternalAttributes = unchecked((int)((0x8000u | (uint)Readable) << 16));
                using var s = entry.Open();
                s.Write(content);
            }
        var wheel = wheelBytes.ToArray();
        var wheelName = $"{dist}-{spec.Version}-py3-none-any.whl";
        var requirements = $"# Datalyptica stand-in wheelhouse for {spec.Artifact} {spec.Version}: NOT the real application.\n" +
                           $"{project}=={spec.Version} --hash=sha256:{Convert.ToHexStringLower(SHA256.HashData(wheel))}\n";
        var top = $"{spec.Artifact}-{spec.Version}-wheelhouse";
        WriteTar(path,
        [
            (top + "/", null, Executable),
            (top + "/" + wheelName, wheel, Readable),
            (top + "/" + WheelhouseInstall.RequirementsFile, Encoding.UTF8.GetBytes(requirements), Readable),
            (top + "/" + MarkerName, marker, Readable),
        ]);
    }

    // --- helpers -----------------------------------------------------------------------------------------------------

    internal static string Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Datalyptica.Tests.StandIns." + name)
                           ?? throw new InvalidOperationException($"embedded resource {name} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    internal static string Hash(string path, ChecksumAlgorithm algorithm)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(algorithm switch
        {
            ChecksumAlgorithm.Sha1 => SHA1.HashData(stream),
            ChecksumAlgorithm.Sha256 => SHA256.HashData(stream),
            _ => SHA512.HashData(stream),
        });
    }

    internal static string Run(string program, IEnumerable<string> args, string? workingDirectory = null, IDictionary<string, string>? environment = null, int timeoutMs = 120_000)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory ?? "" };
        foreach (var a in args) info.ArgumentList.Add(a);
        if (environment is not null) foreach (var (k, v) in environment) info.Environment[k] = v;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs)) { process.Kill(entireProcessTree: true); throw new TimeoutException($"{program} {string.Join(' ', args)} did not finish"); }
        var output = stdout.Result + stderr.Result;
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited {process.ExitCode}: {output}");
        return output;
    }
}
