namespace Datalyptica.Tests.Cli;

public class RenderCommandTests
{
    [Fact]
    public void Render_writes_every_host_with_a_manifest_and_the_same_bytes_twice()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "dev");
        var first = fixture.PathOf("r1");
        var second = fixture.PathOf("r2");

        CliRunner.Run("render", site, "--out", first, "--vault-password-file", fixture.PasswordFile).ShouldSucceed();
        CliRunner.Run("render", site, "--out", second, "--vault-password-file", fixture.PasswordFile).ShouldSucceed();

        Directory.GetDirectories(first).Select(Path.GetFileName).Order().ShouldBe(
            ["app01", "app02", "db01", "db02", "db03", "lb01", "lb02", "proc01", "proc02", "proc03", "query01", "query02", "stream01", "stream02", "stream03"]);
        var manifest = File.ReadAllLines(Path.Combine(first, "db01", "MANIFEST"));
        manifest.ShouldContain(l => l.EndsWith("\t/etc/sysctl.d/60-datalyptica.conf"));
        var files1 = Directory.GetFiles(first, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(first, f)).Order().ToList();
        var files2 = Directory.GetFiles(second, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(second, f)).Order().ToList();
        files2.ShouldBe(files1);
        foreach (var f in files1)
            File.ReadAllBytes(Path.Combine(second, f)).ShouldBe(File.ReadAllBytes(Path.Combine(first, f)), f);
    }

    [Fact]
    public void Render_can_narrow_to_a_host_and_a_component_and_reports_json()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "dev");
        var result = CliRunner.Run("render", site, "--out", fixture.PathOf("r"), "--host", "db01", "--component", "os-base",
            "--vault-password-file", fixture.PasswordFile, "-o", "json").ShouldSucceed();
        var json = result.Json();
        var hosts = json.GetProperty("hosts").EnumerateArray().ToList();
        hosts.ShouldHaveSingleItem().GetProperty("host").GetString().ShouldBe("db01");
        hosts[0].GetProperty("files").EnumerateArray().ShouldAllBe(f => f.GetProperty("component").GetString() == "os-base");
    }

    [Fact]
    public void Render_refuses_a_site_with_errors_and_writes_nothing()
    {
        using var fixture = new SiteFixture();
        var site = fixture.Init("development", "dev");
        var hosts = Path.Combine(site, "hosts.yml");
        File.WriteAllText(hosts, File.ReadAllText(hosts).Replace("    etcd:\n      hosts:\n        db01:\n", "    etcd:\n      hosts:\n"));
        var output = fixture.PathOf("r");

        var result = CliRunner.Run("render", site, "--out", output, "--vault-password-file", fixture.PasswordFile).ShouldFail();

        result.Err.ShouldContain("DL101");
        Directory.Exists(output).ShouldBeFalse();
    }
}
