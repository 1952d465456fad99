using System.Text.Json;
using Datalyptica.Contracts;
using Datalyptica.Engine.Artifacts;
using Datalyptica.Sites;
using Datalyptica.Tests.Engine.Artifacts;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// The artifact verbs on a site made by init: the store starts empty and plan says to fetch; releases brought in with
/// import (built here, each beside a checksum file in its upstream's own format) make plan find them; verify re-hashes.
/// Plan runs with --assume-empty, so no host is contacted.
/// </summary>
public class ArtifactsCliTests
{
    private static readonly HashSet<string> PythonApps = ["airflow", "superset", "mlflow", "jupyterhub"];

    private static List<(string Resource, string Reason)> UnavailableArtifacts(CliResult plan)
    {
        using var doc = JsonDocument.Parse(plan.Out);
        return doc.RootElement.GetProperty("hosts").EnumerateArray()
            .SelectMany(h => h.GetProperty("changes").EnumerateArray())
            .Where(c => c.GetProperty("action").GetString() == "Unavailable" && c.GetProperty("resourceId").GetString()!.StartsWith("artifact:", StringComparison.Ordinal))
            .Select(c => (c.GetProperty("resourceId").GetString()!, c.GetProperty("reason").GetString()!)).ToList();
    }

    /// <summary>A folder as an operator would carry it in: DIR/ARTIFACT/FILE with upstream's checksum file beside each.</summary>
    private static string Downloads(SiteFixture fixture, IEnumerable<ArtifactRelease> releases)
    {
        var dir = fixture.PathOf("downloads");
        foreach (var r in releases)
        {
            var folder = Path.Combine(dir, r.Artifact);
            Directory.CreateDirectory(folder);
            var content = ArtifactTestKit.TarGz(r.TopFolder.Length > 0 ? r.TopFolder : r.Artifact);
            File.WriteAllBytes(Path.Combine(folder, r.FileName), content);
            File.WriteAllText(Path.Combine(folder, r.ChecksumFileName), ArtifactTestKit.ChecksumFile(content, r.FileName, r.Checksum));
        }
        return dir;
    }

    [Fact]
    public void Init_lists_the_releases_plan_says_fetch_until_import_stores_them_then_finds_them_all()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "site");
        var needs = SiteArtifactNeeds.For(SiteLoader.Load(site).Site!);
        needs.Needed.Select(n => n.Release.Artifact).ShouldContain("kafka");
        needs.Needed.Select(n => n.Release.Artifact).ShouldContain("jdk");
        var manifest = File.ReadAllText(Path.Combine(site, "artifacts", "MANIFEST"));
        manifest.ShouldContain("kafka 3.9.0 kafka_2.13-3.9.0.tgz 120 https://archive.apache.org/dist/kafka/3.9.0/kafka_2.13-3.9.0.tgz https://archive.apache.org/dist/kafka/3.9.0/kafka_2.13-3.9.0.tgz.sha512");

        // Empty store: every release is missing, and plan names the command that fixes it.
        var list = CliRunner.Run("artifacts", "list", site, "-o", "json").ShouldSucceed().Json();
        list.GetProperty("artifacts").EnumerateArray().ShouldAllBe(a => a.GetProperty("state").GetString() == "missing");
        var before = CliRunner.Run("plan", site, "--assume-empty", "--vault-password-file", fixture.PasswordFile, "-o", "json");
        before.ExitCode.ShouldBe(2, before.Err);
        var missing = UnavailableArtifacts(before);
        missing.ShouldContain(u => u.Resource == "artifact:kafka" && u.Reason.Contains("run datalyptica artifacts fetch SITE (or import)"));
        missing.ShouldContain(u => u.Resource == "artifact:jdk");

        // Air-gapped: import the downloads; each file checked against its checksum file.
        var downloads = Downloads(fixture, needs.Needed.Select(n => n.Release));
        var import = CliRunner.Run("artifacts", "import", site, "--from", downloads);
        import.ExitCode.ShouldBe(0, import.ToString());
        import.Out.ShouldContain("imported kafka_2.13-3.9.0.tgz");
        CliRunner.Run("artifacts", "list", site, "-o", "json").ShouldSucceed().Json().GetProperty("artifacts").EnumerateArray()
            .ShouldAllBe(a => a.GetProperty("state").GetString() == "verified");

        var after = CliRunner.Run("plan", site, "--assume-empty", "--vault-password-file", fixture.PasswordFile, "-o", "json");
        after.ExitCode.ShouldBe(2, after.Err);
        // Only components no manifest describes (the Python apps, installed from wheels) remain unavailable.
        UnavailableArtifacts(after).Select(u => u.Resource["artifact:".Length..]).Distinct().ShouldAllBe(id => PythonApps.Contains(id));
        var human = CliRunner.Run("plan", site, "--assume-empty", "--vault-password-file", fixture.PasswordFile);
        human.Out.ShouldContain("+ artifact:kafka");

        CliRunner.Run("artifacts", "verify", site).ShouldSucceed().Out.ShouldContain("verified");
        var kafka = Path.Combine(site, "artifacts", "kafka", "3.9.0", "kafka_2.13-3.9.0.tgz");
        var bytes = File.ReadAllBytes(kafka);
        bytes[^5] ^= 0x40;
        File.WriteAllBytes(kafka, bytes);
        var changed = CliRunner.Run("artifacts", "verify", site);
        changed.ExitCode.ShouldBe(1);
        changed.Out.ShouldContain("kafka 3.9.0 kafka_2.13-3.9.0.tgz: changed");
        changed.Err.ShouldContain("no longer hashes to its pin");
    }

    [Fact]
    public void A_stand_in_is_labelled_by_import_list_verify_and_plan_and_refused_outside_a_lab()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "site");
        var needs = SiteArtifactNeeds.For(SiteLoader.Load(site).Site!);
        var downloads = Downloads(fixture, needs.Needed.Select(n => n.Release));
        // Kafka is the lab's release-faithful stand-in: the release layout plus the DATALYPTICA-STAND-IN entry.
        var kafka = needs.Needed.Single(n => n.Release.Artifact == "kafka").Release;
        var standIn = ArtifactTestKit.TarGz(kafka.TopFolder, Datalyptica.Contracts.Health.StandInSignature.ArchiveEntry);
        File.WriteAllBytes(Path.Combine(downloads, "kafka", kafka.FileName), standIn);
        File.WriteAllText(Path.Combine(downloads, "kafka", kafka.ChecksumFileName), ArtifactTestKit.ChecksumFile(standIn, kafka.FileName, kafka.Checksum));

        var import = CliRunner.Run("artifacts", "import", site, "--from", downloads);
        import.ExitCode.ShouldBe(0, import.ToString());
        import.Out.ShouldContain("kafka 3.9.0: imported stand-in kafka_2.13-3.9.0.tgz");
        File.Exists(Path.Combine(site, "artifacts", "kafka", "3.9.0", SiteArtifactStore.StandInMarker)).ShouldBeTrue();

        var list = CliRunner.Run("artifacts", "list", site, "-o", "json").ShouldSucceed().Json().GetProperty("artifacts").EnumerateArray()
            .ToDictionary(a => a.GetProperty("artifact").GetString()!, a => a.GetProperty("standIn").GetBoolean());
        list["kafka"].ShouldBeTrue();
        list["trino"].ShouldBeFalse();
        CliRunner.Run("artifacts", "list", site).ShouldSucceed().Out.ShouldContain("verified stand-in");
        CliRunner.Run("artifacts", "verify", site).ShouldSucceed().Out.ShouldContain("kafka 3.9.0 kafka_2.13-3.9.0.tgz: verified stand-in");

        // A development site refuses it before anything else happens (validate, and every verb that opens the site).
        var validate = CliRunner.Run("validate", site, "--vault-password-file", fixture.PasswordFile);
        validate.ExitCode.ShouldBe(3, validate.ToString());
        validate.Err.ShouldContain("stand-in for kafka 3.9.0");
        validate.Err.ShouldContain("artifacts fetch");

        // On a lab site it is planned, and the plan says what it is.
        var all = Path.Combine(site, "group_vars", "all.yml");
        File.WriteAllText(all, File.ReadAllText(all).Replace("datalyptica_environment: development", "datalyptica_environment: lab"));
        var plan = CliRunner.Run("plan", site, "--assume-empty", "--vault-password-file", fixture.PasswordFile);
        plan.Out.ShouldContain("kafka 3.9.0 (stand-in) not unpacked");
        plan.Out.ShouldNotContain("trino 469 (stand-in)");
    }

    [Fact]
    public void Import_refuses_a_release_whose_checksum_file_is_missing_or_wrong_and_exits_1()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "site");
        var needs = SiteArtifactNeeds.For(SiteLoader.Load(site).Site!);
        var downloads = Downloads(fixture, needs.Needed.Select(n => n.Release));
        var kafka = needs.Needed.Single(n => n.Release.Artifact == "kafka").Release;
        var trino = needs.Needed.Single(n => n.Release.Artifact == "trino").Release;
        File.Delete(Path.Combine(downloads, "kafka", kafka.ChecksumFileName));
        File.WriteAllText(Path.Combine(downloads, "trino", trino.ChecksumFileName), new string('0', 40) + "\n");

        var result = CliRunner.Run("artifacts", "import", site, "--from", downloads);
        result.ExitCode.ShouldBe(1, result.ToString());
        result.Err.ShouldContain("kafka_2.13-3.9.0.tgz.sha512 is missing");
        result.Err.ShouldContain("trino 469");
        result.Err.ShouldContain("it was not stored");
        var json = CliRunner.Run("artifacts", "list", site, "-o", "json").ShouldSucceed().Json();
        var states = json.GetProperty("artifacts").EnumerateArray().ToDictionary(a => a.GetProperty("artifact").GetString()!, a => a.GetProperty("state").GetString());
        states["kafka"].ShouldBe("missing");
        states["trino"].ShouldBe("missing");
        states["jdk"].ShouldBe("verified");

        CliRunner.Run("artifacts", "import", site, "--from", fixture.PathOf("nowhere")).ExitCode.ShouldBe(1);
        CliRunner.Run("artifacts", "import", site).ExitCode.ShouldBe(64); // --from is required
    }

    [Fact]
    public void The_sites_own_datalyptica_artifacts_entry_still_wins_over_the_store()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "site");
        File.AppendAllText(Path.Combine(site, "group_vars", "all.yml"),
            $"datalyptica_artifacts:\n  kafka:\n    url: https://mirror.example/kafka_2.13-3.9.0.tgz\n    sha512: {new string('b', 128)}\n");
        var plan = CliRunner.Run("plan", site, "--assume-empty", "--vault-password-file", fixture.PasswordFile, "-o", "json");
        plan.ExitCode.ShouldBe(2, plan.Err);
        UnavailableArtifacts(plan).ShouldNotContain(u => u.Resource == "artifact:kafka");
        plan.Out.ShouldContain("https://mirror.example/kafka_2.13-3.9.0.tgz");
        var list = CliRunner.Run("artifacts", "list", site, "-o", "json").ShouldSucceed().Json();
        list.GetProperty("artifacts").EnumerateArray().ShouldNotContain(a => a.GetProperty("artifact").GetString() == "kafka");
        list.GetProperty("others").GetProperty("overridden").EnumerateArray().ShouldContain(o => o.GetProperty("component").GetString() == "kafka");
    }
}
