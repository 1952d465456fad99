using System.Text.Json;

namespace Datalyptica.Tests.Cli;

/// <summary>Every verb has help that names its options; every reporting verb prints one JSON document with formatVersion 1.</summary>
public sealed class HelpAndJsonTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Theory]
    [InlineData("init", "--profile|--out|--name|--hosts|--vault-password-file|--force|--output")]
    [InlineData("inventory generate", "--profile|--out|--ips|--vip|--hosts|--force|--output")]
    [InlineData("inventory list", "--output|--vault-password-file|SITE")]
    [InlineData("validate", "--output|--vault-password-file|SITE")]
    [InlineData("bom", "--profile|--rates|--output|--vault-password-file")]
    [InlineData("secrets encrypt", "--name|--vault-password-file|--vault-id|FILE")]
    [InlineData("profiles", "--output")]
    public void Help_exits_0_and_names_the_verbs_options(string verb, string options)
    {
        var result = CliRunner.Run([.. verb.Split(' '), "--help"]).ShouldSucceed();
        result.Err.ShouldBeEmpty();
        foreach (var option in options.Split('|'))
            result.Out.ShouldContain(option, Case.Sensitive, $"help of '{verb}' should mention {option}:\n{result}");
    }

    [Fact]
    public void Profiles_json_lists_the_four_profiles()
    {
        var json = CliRunner.Run("profiles", "--output", "json").ShouldSucceed().Json();
        json.GetProperty("profiles").EnumerateArray().Select(p => p.GetProperty("name").GetString())
            .ShouldBe(["development", "staging", "production", "dr", "lab"]);
    }

    [Fact]
    public void Init_json_reports_the_site()
    {
        var dir = _fx.PathOf("site");
        var json = CliRunner.Run("init", "--profile", "dev", "--out", dir, "-o", "json").ShouldSucceed().Json();
        json.GetProperty("profile").GetString().ShouldBe("development");
        json.GetProperty("hosts").GetInt32().ShouldBe(15);
        json.GetProperty("secrets").EnumerateArray().Select(s => s.GetString()).ShouldContain("vault_redis_password");
        json.GetProperty("vaultPasswordFile").GetString().ShouldBe(Path.Combine(dir, ".vault-password"));
    }

    [Fact]
    public void Validate_bom_and_inventory_list_json_on_a_generated_site()
    {
        var dir = _fx.Init("production", "prod");

        var validate = CliRunner.Run("validate", dir, "--output", "json").ShouldSucceed().Json();
        validate.GetProperty("valid").GetBoolean().ShouldBeTrue();
        validate.GetProperty("hosts").GetInt32().ShouldBe(66);
        validate.GetProperty("findings").ValueKind.ShouldBe(JsonValueKind.Array);

        var bom = CliRunner.Run("bom", dir, "--output", "json").ShouldSucceed().Json();
        bom.GetProperty("bom").ValueKind.ShouldBe(JsonValueKind.Object);

        var list = CliRunner.Run("inventory", "list", dir, "--output", "json").ShouldSucceed().Json();
        var hosts = list.GetProperty("hosts").EnumerateArray().ToList();
        hosts.Count.ShouldBe(66);
        hosts.ShouldAllBe(h => h.GetProperty("address").GetString()!.Length > 0);
    }

    [Fact]
    public void Json_is_not_wrapped_on_a_narrow_console()
    {
        var dir = _fx.Init("development", "narrow");
        // Findings have messages far longer than 40 columns; the JSON goes through the raw writer, unwrapped.
        var validate = CliRunner.RunWithWidth(40, "validate", dir, "-o", "json").ShouldSucceed();
        validate.Out.Split('\n').ShouldContain(l => l.Length > 100);
        validate.Json().GetProperty("findings").GetArrayLength().ShouldBeGreaterThan(0);
        CliRunner.RunWithWidth(40, "profiles", "-o", "json").ShouldSucceed().Json();
        CliRunner.RunWithWidth(40, "inventory", "list", dir, "-o", "json").ShouldSucceed().Json();
    }

    [Fact]
    public void Bom_json_for_a_profile()
    {
        var json = CliRunner.Run("bom", "--profile", "staging", "-o", "json").ShouldSucceed().Json();
        json.GetProperty("bom").ValueKind.ShouldBe(JsonValueKind.Object);
    }

    [Fact]
    public void Validate_json_on_a_broken_site_is_still_one_json_document()
    {
        var dir = _fx.Init("development", "dev");
        File.WriteAllText(Path.Combine(dir, "host_vars", "db01.yml"), "ansible_host: not an address\ndatalyptica_vcpu: 8\n");
        var result = CliRunner.Run("validate", dir, "-o", "json").ShouldFail();
        var json = result.Json();
        json.GetProperty("valid").GetBoolean().ShouldBeFalse();
        json.GetProperty("findings").EnumerateArray()
            .ShouldContain(f => f.GetProperty("code").GetString() == "DL530" && f.GetProperty("file").GetString() == "host_vars/db01.yml");
    }

    [Fact]
    public void Inventory_generate_json_stays_json_when_there_are_warnings()
    {
        // 16 addresses for 15 hosts: warning DL543, which must not be mixed into the JSON on stdout.
        var ips = _fx.Write("ips.txt", string.Join('\n', Enumerable.Range(11, 16).Select(i => $"10.0.0.{i}")) + "\n");
        var result = CliRunner.Run("inventory", "generate", "--profile", "development", "--ips", ips,
            "--out", _fx.PathOf("gen"), "--vip", "10.0.0.100/24", "--output", "json").ShouldSucceed();
        result.Json().GetProperty("hosts").GetInt32().ShouldBe(15);
        result.Err.ShouldContain("DL543");
    }
}
