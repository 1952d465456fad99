using System.Diagnostics;
using System.IO.Compression;
using Datalyptica.Components.Loki;
using Datalyptica.Components.Nessie;
using Datalyptica.Contracts;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Resources;

namespace Datalyptica.Tests.Engine.Artifacts;

/// <summary>
/// The unpack commands a release's format plans, run by this machine's shell under a temp root (the upload step is a
/// copy): Loki's zip puts its one program at bin/loki, Nessie's jar is kept as it is, a tarball is stripped as declared.
/// </summary>
public sealed class ArtifactUnpackTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("dl-unpack-").FullName;
    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Apply(ArtifactResource resource, string archive)
    {
        var plan = resource.Plan(HostFacts.EmptyDebian12, new PlanContext { Root = _root });
        foreach (var step in plan.Changes.SelectMany(c => c.Steps))
        {
            if (step.Kind == StepKind.UploadArtifact) { File.Copy(archive, step.Target); continue; }
            var shell = Process.Start(new ProcessStartInfo("sh", ["-c", step.Text!]) { RedirectStandardError = true })!;
            var stderr = shell.StandardError.ReadToEnd();
            shell.WaitForExit(30_000).ShouldBeTrue();
            shell.ExitCode.ShouldBe(0, $"{step.Text}: {stderr}");
        }
    }

    private static string Sha512(string path) => Datalyptica.Engine.Artifacts.ArtifactFetch.Sha512(path);

    [Fact]
    public void A_zip_release_puts_its_one_program_where_the_unit_starts_it()
    {
        var release = LokiRelease.V3_3_2;
        var zip = Path.Combine(_root, release.FileName);
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            using (var w = new StreamWriter(archive.CreateEntry(release.ZipMember!).Open())) w.Write("#!/bin/sh\necho loki\n");
            using (var w = new StreamWriter(archive.CreateEntry("README").Open())) w.Write("not wanted\n");
        }
        release.HostPackages.ShouldBe(["unzip"]);
        Apply(ArtifactResource.For("loki", release.Version, new ArtifactSource(zip, Sha512(zip)), release, null), zip);

        var program = Path.Combine(_root, "opt/datalyptica/loki/current", release.InstallAs!);
        File.ReadAllText(program).ShouldBe("#!/bin/sh\necho loki\n");
        (File.GetUnixFileMode(program) & UnixFileMode.UserExecute).ShouldBe(UnixFileMode.UserExecute);
        File.Exists(Path.Combine(_root, "opt/datalyptica/loki/current/README")).ShouldBeFalse();
        release.EntryPrograms.ShouldContain(release.InstallAs!);
    }

    [Fact]
    public void A_jar_release_is_kept_as_it_is_under_its_own_name()
    {
        var release = NessieRelease.V0_98_2;
        var jar = Path.Combine(_root, "download.jar");
        File.WriteAllBytes(jar, [0x50, 0x4b, 3, 4, 1, 2, 3]);
        Apply(ArtifactResource.For("nessie", release.Version, new ArtifactSource(jar, Sha512(jar)), release, null), jar);

        File.ReadAllBytes(Path.Combine(_root, "opt/datalyptica/nessie/current", release.InstallAs!)).ShouldBe([0x50, 0x4b, 3, 4, 1, 2, 3]);
    }

    [Fact]
    public void A_tarball_is_stripped_as_its_release_declares()
    {
        // ClickHouse's tgz is a .deb tree under one top folder: stripping it leaves usr/bin/clickhouse, the entry program.
        var release = Datalyptica.Components.ClickHouse.ClickHouseRelease.V24_12_2_59;
        var tgz = Path.Combine(_root, release.FileName);
        File.WriteAllBytes(tgz, ArtifactTestKit.TarGz(release.TopFolder, "usr/bin/clickhouse"));
        Apply(ArtifactResource.For("clickhouse", release.Version, new ArtifactSource(tgz, Sha512(tgz)), release, null), tgz);

        File.Exists(Path.Combine(_root, "opt/datalyptica/clickhouse/current/usr/bin/clickhouse")).ShouldBeTrue();
        Directory.Exists(Path.Combine(_root, "opt/datalyptica/clickhouse/current", release.TopFolder)).ShouldBeFalse();
        release.EntryPrograms.ShouldBe(["usr/bin/clickhouse"]);
        release.Format.ShouldBe(ArchiveFormat.TarGz);
    }
}
