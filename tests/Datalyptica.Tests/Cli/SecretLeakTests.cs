using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Validation;
using CliCommon = Datalyptica.Cli.Commands.Cli;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// No secret value and no vault password reaches stdout, stderr, ToString or JSON: on success, in human and
/// json modes, and on failing paths (wrong password, missing password, a site with errors).
/// </summary>
public sealed class SecretLeakTests : IDisposable
{
    private const string WrongPassword = "Wr0ng-Vault-Passw0rd-d41d8c";
    private const string FileSecretName = "vault_extra_token";

    private readonly SiteFixture _fx = new();
    private readonly string _wrongPasswordFile;
    private readonly List<CliResult> _results = [];
    private readonly HashSet<string> _secrets = [SiteFixture.KnownPassword, WrongPassword];

    public SecretLeakTests() => _wrongPasswordFile = _fx.Write("wrong-pass.txt", WrongPassword + "\n");

    public void Dispose() => _fx.Dispose();

    private CliResult Run(params string[] args)
    {
        var result = CliRunner.Run(args);
        _results.Add(result);
        return result;
    }

    /// <summary>init (human or json) with the known password, then learns the plaintext of every secret it wrote.</summary>
    private string Init(string name, string output)
    {
        var dir = _fx.PathOf(name);
        Run("init", "--profile", "development", "--out", dir, "--vault-password-file", _fx.PasswordFile, "-o", output).ShouldSucceed();
        File.Exists(Path.Combine(dir, ".vault-password")).ShouldBeFalse("the password came from a file: none is written into the site");
        _secrets.UnionWith(GeneratedSite.DecryptSecrets(dir, _fx.Password).Values);
        return dir;
    }

    /// <summary>Adds a vault-encrypted vars file (encrypted by our CLI), so loading the site decrypts real secrets.</summary>
    private void AddEncryptedVarsFile(string dir)
    {
        var value = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
        _secrets.Add(value);
        _secrets.Add(token);
        var file = Path.Combine(dir, "group_vars", "catalog.yml");
        File.Exists(file).ShouldBeFalse();
        // A vault_ variable, and a secret that does not follow the vault_ naming (common in encrypted vars files): another
        // role's token, warned about as unknown by name only. (A sudo password is refused: DL567.)
        File.WriteAllText(file, $"{FileSecretName}: {value}\napp_api_token: {token}\n");
        Run("secrets", "encrypt", file, "--vault-password-file", _fx.PasswordFile).ShouldSucceed();
    }

    private void ShouldLeakNothing()
    {
        _results.ShouldNotBeEmpty();
        _secrets.Count.ShouldBeGreaterThan(20);
        foreach (var result in _results)
            foreach (var secret in _secrets)
                result.All.Contains(secret, StringComparison.Ordinal)
                    .ShouldBeFalse($"a secret value ({secret.Length} chars) appears in the output of\n{result}");
    }

    private bool ContainsSecret(string text) => _secrets.Any(secret => text.Contains(secret, StringComparison.Ordinal));

    private void ShouldNotContainSecrets(string text, string what)
    {
        foreach (var secret in _secrets)
            text.Contains(secret, StringComparison.Ordinal).ShouldBeFalse($"a secret value appears in {what}:\n{text}");
    }

    [Fact]
    public void Reporting_verbs_print_no_secret_in_human_or_json_mode()
    {
        var site = Init("human", "human");
        Init("json", "json");
        AddEncryptedVarsFile(site);

        foreach (var output in new[] { "human", "json" })
        {
            Run("validate", site, "--vault-password-file", _fx.PasswordFile, "-o", output).ShouldSucceed();
            Run("bom", site, "--vault-password-file", _fx.PasswordFile, "-o", output).ShouldSucceed();
            Run("bom", "--profile", "development", "-o", output).ShouldSucceed();
            Run("inventory", "list", site, "--vault-password-file", _fx.PasswordFile, "-o", output).ShouldSucceed();
            Run("profiles", "-o", output).ShouldSucceed();

            var ips = _fx.Write($"ips-{output}.txt", string.Join('\n', Enumerable.Range(11, 15).Select(i => $"10.0.0.{i}")));
            var generated = _fx.PathOf($"generated-{output}");
            Run("inventory", "generate", "--profile", "development", "--ips", ips, "--vip", "10.0.0.100/24",
                "--out", generated, "--vault-password-file", _fx.PasswordFile, "-o", output).ShouldSucceed();
            _secrets.UnionWith(GeneratedSite.DecryptSecrets(generated, _fx.Password).Values);
        }
        // The decrypted file really was read (the site's secret count includes its variable).
        Run("validate", site, "--vault-password-file", _fx.PasswordFile, "-o", "json").ShouldSucceed().Out.ShouldNotContain("DL500");
        ShouldLeakNothing();
    }

    [Fact]
    public void Wrong_or_missing_vault_password_fails_clearly_without_printing_it()
    {
        var site = Init("site", "human");
        AddEncryptedVarsFile(site);

        foreach (var output in new[] { "human", "json" })
        {
            foreach (var verb in new[] { new[] { "validate" }, ["bom"], ["inventory", "list"] })
            {
                var wrong = Run([.. verb, site, "--vault-password-file", _wrongPasswordFile, "-o", output]).ShouldFail();
                wrong.All.ShouldContain("group_vars/catalog.yml");
                wrong.All.ShouldContain("vault password is wrong");

                var missing = Run([.. verb, site, "-o", output]).ShouldFail();
                missing.All.ShouldContain("group_vars/catalog.yml is vault-encrypted");
                missing.All.ShouldContain("--vault-password-file");
            }
        }
        ShouldLeakNothing();
    }

    [Fact]
    public void A_site_with_errors_reports_them_without_printing_secrets()
    {
        var site = Init("broken", "json");
        AddEncryptedVarsFile(site);
        var plain = GeneratedSite.DecryptSecrets(site, _fx.Password);
        // A credential pasted in plain text where a vault reference belongs, and a host without a usable address.
        var allYml = Path.Combine(site, "group_vars", "all.yml");
        var text = File.ReadAllText(allYml);
        text.ShouldContain("secret_key: \"{{ vault_s3_secret_key }}\"");
        File.WriteAllText(allYml, text.Replace("secret_key: \"{{ vault_s3_secret_key }}\"", $"secret_key: \"{plain["vault_s3_secret_key"]}\""));
        File.WriteAllText(Path.Combine(site, "host_vars", "db01.yml"), "ansible_host: not an address\ndatalyptica_vcpu: 8\n");

        foreach (var output in new[] { "human", "json" })
        {
            var validate = Run("validate", site, "--vault-password-file", _fx.PasswordFile, "-o", output).ShouldFail();
            validate.All.ShouldContain("DL538");
            validate.All.ShouldContain("DL530");
            Run("inventory", "list", site, "--vault-password-file", _fx.PasswordFile, "-o", output);
            Run("bom", site, "--vault-password-file", _fx.PasswordFile, "-o", output);
        }
        // Writing into it again without --force, and an unknown profile, fail too.
        Run("init", "--profile", "development", "--out", site, "--vault-password-file", _fx.PasswordFile).ShouldFail();
        Run("init", "--profile", "nope", "--out", _fx.PathOf("x"), "--vault-password-file", _fx.PasswordFile).ShouldFail();
        ShouldLeakNothing();
    }

    [Fact]
    public void Site_settings_and_diagnostics_never_render_secrets()
    {
        var site = Init("model", "json");
        AddEncryptedVarsFile(site);

        var loaded = SiteLoader.Load(site, () => _fx.Password);
        var model = loaded.Site.ShouldNotBeNull(string.Join("\n", loaded.Diagnostics));
        model.Secrets.Keys.ShouldContain(FileSecretName);
        model.Secrets[FileSecretName].Encrypted.ShouldBeTrue();
        var findings = SiteValidator.Validate(model, loaded.Diagnostics);

        var settings = model.Vars.Values
            .Concat(model.GroupVars.Values.SelectMany(v => v.Values))
            .Concat(model.Hosts.SelectMany(h => h.Vars.Values))
            .ToList();
        settings.ShouldNotBeEmpty();

        ShouldNotContainSecrets(model.ToString(), "Site.ToString()");
        foreach (var host in model.Hosts) ShouldNotContainSecrets(host.ToString(), "Host.ToString()");
        foreach (var setting in settings)
        {
            ShouldNotContainSecrets(setting.ToString(), "Setting.ToString()");
            // AsString()/Value are how rules read a setting (like Secret.Reveal, explicit); what matters is that a
            // value from an encrypted file is flagged, so every printing path masks it.
            if (ContainsSecret(setting.AsString() ?? "")) setting.Sensitive.ShouldBeTrue($"{setting.Source} holds a secret but is not marked sensitive");
        }
        foreach (var d in findings)
        {
            ShouldNotContainSecrets(d.ToString(), "Diagnostic.ToString()");
            ShouldNotContainSecrets(JsonSerializer.Serialize(CliCommon.DiagnosticJson(d), CliCommon.Json), "diagnostic JSON");
        }
        ShouldNotContainSecrets(JsonSerializer.Serialize(settings, CliCommon.Json), "Setting JSON");
        ShouldNotContainSecrets(JsonSerializer.Serialize(model.Vars, CliCommon.Json), "Site.Vars JSON");
        ShouldNotContainSecrets(JsonSerializer.Serialize(model.Hosts.Select(h => h.Vars), CliCommon.Json), "Host.Vars JSON");
        ShouldNotContainSecrets(JsonSerializer.Serialize(findings, CliCommon.Json), "Diagnostic JSON");
        ShouldNotContainSecrets(JsonSerializer.Serialize(model.Secrets, CliCommon.Json), "Site.Secrets JSON");
        // System.Text.Json cannot write IPAddress on its own (ScopeId throws for IPv4), and roles point back at their
        // components; a consumer serializing a Site would add a converter and ignore cycles.
        var withAddresses = new JsonSerializerOptions(CliCommon.Json)
        {
            Converters = { new IpAddressConverter() },
            ReferenceHandler = System.Text.Json.Serialization.ReferenceHandler.IgnoreCycles,
        };
        ShouldNotContainSecrets(JsonSerializer.Serialize(model, withAddresses), "Site JSON");
    }
}

internal sealed class IpAddressConverter : System.Text.Json.Serialization.JsonConverter<IPAddress>
{
    public override IPAddress Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        IPAddress.Parse(reader.GetString()!);

    public override void Write(Utf8JsonWriter writer, IPAddress value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
