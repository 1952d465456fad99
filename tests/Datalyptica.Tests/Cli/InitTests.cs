using Datalyptica.Cli;

namespace Datalyptica.Tests.Cli;

public sealed class InitTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Theory]
    [InlineData("development", 15)]
    [InlineData("staging", 30)]
    [InlineData("production", 66)]
    [InlineData("dr", 66)]
    public void Init_then_validate_passes_for_every_profile(string profile, int hosts)
    {
        var dir = _fx.PathOf(profile);
        var init = CliRunner.Run("init", "--profile", profile, "--out", dir).ShouldSucceed();
        init.Out.ShouldContain($"{hosts} hosts");
        init.Err.ShouldBeEmpty();
        File.Exists(Path.Combine(dir, "hosts.yml")).ShouldBeTrue();
        File.Exists(Path.Combine(dir, ".vault-password")).ShouldBeTrue();
        File.GetUnixFileMode(Path.Combine(dir, ".vault-password")).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var validate = CliRunner.Run("validate", dir).ShouldSucceed();
        validate.Out.ShouldContain($"{hosts} hosts");
        validate.Out.ShouldContain("valid (0 error(s)");
        validate.Err.ShouldBeEmpty();
    }

    [Fact]
    public void Init_into_a_non_empty_folder_needs_force()
    {
        var dir = _fx.PathOf("busy");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");

        var result = CliRunner.Run("init", "--profile", "dev", "--out", dir).ShouldFail();
        result.Err.ShouldContain("is not empty");
        result.Err.ShouldContain("--force");
        Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).ShouldBe(["notes.txt"]);

        CliRunner.Run("init", "--profile", "dev", "--out", dir, "--force").ShouldSucceed();
        File.Exists(Path.Combine(dir, "hosts.yml")).ShouldBeTrue();
        File.ReadAllText(Path.Combine(dir, "notes.txt")).ShouldBe("mine");
    }

    [Fact]
    public void Unknown_profile_fails_naming_the_valid_ones()
    {
        var dir = _fx.PathOf("nope");
        var result = CliRunner.Run("init", "--profile", "prodution", "--out", dir).ShouldFail();
        result.Err.ShouldContain("unknown profile 'prodution'");
        foreach (var name in new[] { "development", "staging", "production", "dr" }) result.Err.ShouldContain(name);
        Directory.Exists(dir).ShouldBeFalse();
    }

    [Fact]
    public void Missing_profile_or_out_is_reported()
    {
        var noProfile = CliRunner.Run("init", "--out", _fx.PathOf("x")).ShouldExit(ExitCodes.Usage);
        noProfile.Err.ShouldContain("`datalyptica init` needs --profile <PROFILE>");

        var noOut = CliRunner.Run("init", "--profile", "dev").ShouldExit(ExitCodes.Usage);
        noOut.Err.ShouldContain("`datalyptica init` needs --out <DIR>");
    }

    [Fact]
    public void Init_with_1000_hosts_validates()
    {
        var dir = _fx.PathOf("big");
        var init = CliRunner.Run("init", "--profile", "production", "--hosts", "1000", "--out", dir, "-o", "json").ShouldSucceed();
        init.Json().GetProperty("hosts").GetInt32().ShouldBe(1000);

        var validate = CliRunner.Run("validate", dir, "-o", "json").ShouldSucceed().Json();
        validate.GetProperty("hosts").GetInt32().ShouldBe(1000);
        validate.GetProperty("errors").GetInt32().ShouldBe(0);

        var list = CliRunner.Run("inventory", "list", dir, "-o", "json").ShouldSucceed().Json();
        var addresses = list.GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("address").GetString()).ToList();
        addresses.Count.ShouldBe(1000);
        addresses.Distinct().Count().ShouldBe(1000, "every host has its own address");
    }
}
