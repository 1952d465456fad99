using System.Text.Json;
using Datalyptica.Inventory;
using Datalyptica.Secrets;
using Datalyptica.Tests.Inventory;
using InventoryCli = Datalyptica.Tests.Inventory.AnsibleCli;
using VaultCli = Datalyptica.Tests.Secrets.AnsibleCli;

namespace Datalyptica.Tests.Cli;

/// <summary>Runs Stdin-reading tests alone: they swap <see cref="Console.In"/>, which is process-wide.</summary>
[CollectionDefinition("Console", DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>
/// Sites written by init are read by the real Ansible exactly as we read them, and the secrets we write
/// decrypt with the real ansible-vault. Needs ansible-core on PATH; the tests fail (not skip) without it.
/// Five ansible runs in all.
/// </summary>
[Collection("Console")]
public sealed class AnsibleInteropTests(VaultCli ansible) : IClassFixture<VaultCli>, IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Theory]
    [InlineData("production")]
    [InlineData("development")]
    public void Generated_site_reads_like_ansible_inventory_list(string profile)
    {
        var dir = _fx.PathOf(profile);
        CliRunner.Run("init", "--profile", profile, "--out", dir).ShouldSucceed();

        var ours = AnsibleInventoryReader.Read(dir);
        ours.Hosts.ShouldNotBeEmpty();
        // Per host hostvars (inline !vault values included, as {"__ansible_vault": ...}) and group membership.
        ours.ShouldMatchAnsible(InventoryCli.InventoryList(dir));
    }

    [Fact]
    public void Generated_vault_secret_decrypts_with_ansible_like_with_ours()
    {
        var dir = _fx.PathOf("dev");
        CliRunner.Run("init", "--profile", "development", "--out", dir).ShouldSucceed();
        var passwordFile = Path.Combine(dir, ".vault-password");
        var password = new VaultPasswordSource(passwordFile, _ => null).Resolve();
        var ours = GeneratedSite.DecryptSecrets(dir, password)["vault_redis_password"];

        // A real host of the site: the value comes through group 'all' as Ansible resolves it.
        var host = AnsibleInventoryReader.Read(dir).FindGroup("redis")!.Hosts[0];
        var stdout = ansible.RunOk("ansible", host, "-i", dir, "-m", "debug", "-a", "var=vault_redis_password",
            "--vault-password-file", passwordFile);
        stdout.ShouldContain("SUCCESS");
        var json = JsonDocument.Parse(stdout[(stdout.IndexOf("=>", StringComparison.Ordinal) + 2)..]);
        json.RootElement.GetProperty("vault_redis_password").GetString().ShouldBe(ours);
    }

    [Fact]
    public void Secrets_encrypt_file_is_viewed_by_ansible_vault()
    {
        const string content = "vault_extra_token: \"tök€n with spaces\"\nplain: 1\n";
        var file = _fx.Write("group_vars/all/vault.yml", content);

        var result = CliRunner.Run("secrets", "encrypt", file, "--vault-password-file", _fx.PasswordFile).ShouldSucceed();
        result.Out.ShouldContain("encrypted");
        File.ReadAllText(file).ShouldStartWith("$ANSIBLE_VAULT;1.1;AES256\n");

        ansible.RunOk("ansible-vault", "view", "--vault-password-file", _fx.PasswordFile, file).ShouldBe(content);

        // A second run refuses to double-encrypt.
        CliRunner.Run("secrets", "encrypt", file, "--vault-password-file", _fx.PasswordFile).ShouldFail()
            .Err.ShouldContain("already vault-encrypted");
    }

    [Fact]
    public void Secrets_encrypt_name_reads_stdin_and_ansible_decrypts_the_snippet()
    {
        const string value = "from stdin: 'q' \"dq\" ✓";
        var previous = Console.In;
        CliResult result;
        try
        {
            Console.SetIn(new StringReader(value + "\n"));
            result = CliRunner.Run("secrets", "encrypt", "--name", "vault_x", "--vault-password-file", _fx.PasswordFile);
        }
        finally { Console.SetIn(previous); }
        result.ShouldSucceed();
        result.Out.ShouldStartWith("vault_x: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n");
        result.Out.ShouldNotContain(value);

        var vars = _fx.Write("snippet.yml", result.Out);
        var stdout = ansible.RunOk("ansible", "localhost", "-m", "debug", "-a", "var=vault_x",
            "-e", "@" + vars, "--vault-password-file", _fx.PasswordFile);
        var json = JsonDocument.Parse(stdout[(stdout.IndexOf("=>", StringComparison.Ordinal) + 2)..]);
        json.RootElement.GetProperty("vault_x").GetString().ShouldBe(value);
    }

    [Fact]
    public void Secrets_encrypt_name_with_empty_stdin_fails_clearly()
    {
        var previous = Console.In;
        try
        {
            Console.SetIn(new StringReader(""));
            var result = CliRunner.Run("secrets", "encrypt", "--name", "vault_x", "--vault-password-file", _fx.PasswordFile).ShouldFail();
            result.Err.ShouldContain("no value on standard input");
            result.Out.ShouldBeEmpty();
        }
        finally { Console.SetIn(previous); }
    }
}
