using System.Diagnostics;
using System.Text.Json;
using Datalyptica.Secrets;
using YamlDotNet.RepresentationModel;

namespace Datalyptica.Tests.Secrets;

/// <summary>
/// Runs the real Ansible CLI. Shared temp HOME, config and password file for the whole class.
/// When ansible-vault is missing the tests FAIL (CI installs ansible-core), they never skip.
/// </summary>
public sealed class AnsibleCli : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("dl-ansible-").FullName;
    public Secret Password { get; } = new("Cr0ss-Test pässwörd");
    public string PasswordFile { get; }

    public AnsibleCli()
    {
        PasswordFile = File("vault-pass.txt", Password.Reveal() + "\n");
        File("ansible.cfg", "[defaults]\n");
        Directory.CreateDirectory(Path.Combine(Dir, "tmp"));
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);

    public string File(string name, string content)
    {
        var path = Path.Combine(Dir, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public string Read(string name) => System.IO.File.ReadAllText(Path.Combine(Dir, name));

    private static string? FindOnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, exe))
        .FirstOrDefault(System.IO.File.Exists);

    /// <summary>Runs an Ansible command; throws (failing the test) when it is not installed or times out.</summary>
    public (int ExitCode, string Stdout, string Stderr) Run(string exe, params string[] args)
    {
        var path = FindOnPath(exe) ?? throw new InvalidOperationException(
            $"'{exe}' is not on PATH. The Ansible Vault cross-tests need ansible-core " +
            "(Debian: apt-get install ansible-core, or run ./setup.sh); they fail instead of skipping on purpose.");

        var psi = new ProcessStartInfo(path)
        {
            WorkingDirectory = Dir,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("ANSIBLE_") || k.StartsWith("DATALYPTICA_")).ToList())
            psi.Environment.Remove(key);
        psi.Environment["HOME"] = Dir;
        psi.Environment["ANSIBLE_CONFIG"] = Path.Combine(Dir, "ansible.cfg");
        psi.Environment["ANSIBLE_LOCAL_TEMP"] = Path.Combine(Dir, "tmp");
        psi.Environment["ANSIBLE_NOCOLOR"] = "1";
        psi.Environment["LC_ALL"] = "C.UTF-8";

        using var p = Process.Start(psi)!;
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{exe} {string.Join(' ', args)} did not finish in 60 s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public string RunOk(string exe, params string[] args)
    {
        var (code, stdout, stderr) = Run(exe, args);
        code.ShouldBe(0, $"{exe} {string.Join(' ', args)} failed:\n{stderr}\n{stdout}");
        return stdout;
    }
}

public sealed class AnsibleVaultCliTests(AnsibleCli cli) : IClassFixture<AnsibleCli>
{
    private const string MultiLineUnicode = "db_password: \"Ünïcödé ✓ 日本語 🔐\"\nlines:\n  - one\n  - two with 'quotes' and \\backslash\n";

    [Fact]
    public void Ansible_encrypted_file_decrypts_with_ours_and_wrong_password_is_rejected()
    {
        var file = cli.File("encrypted-by-ansible.yml", MultiLineUnicode);
        cli.RunOk("ansible-vault", "encrypt", "--vault-password-file", cli.PasswordFile, file);
        var vaultText = cli.Read("encrypted-by-ansible.yml");
        vaultText.ShouldStartWith("$ANSIBLE_VAULT;1.1;AES256\n");

        AnsibleVault.Decrypt(vaultText, cli.Password).ShouldBe(MultiLineUnicode);

        var ex = Should.Throw<VaultException>(() =>
            AnsibleVault.Decrypt(vaultText, new Secret("not-the-password"), "group_vars/all/vault.yml"));
        ex.Message.ShouldContain("group_vars/all/vault.yml");
        ex.Message.ShouldNotContain("not-the-password");
        ex.Message.ShouldNotContain(cli.Password.Reveal());
        ex.Message.ShouldNotContain("Ünïcödé");
    }

    [Fact]
    public void Our_encryption_decrypts_with_ansible_vault_decrypt()
    {
        var file = cli.File("ours-decrypt.yml", AnsibleVault.Encrypt(MultiLineUnicode, cli.Password));
        cli.RunOk("ansible-vault", "decrypt", "--vault-password-file", cli.PasswordFile, "--output", "-", file)
            .ShouldBe(MultiLineUnicode);
    }

    [Fact]
    public void Our_encryption_shows_with_ansible_vault_view()
    {
        const string plaintext = "single line without trailing newline: ✓";
        var file = cli.File("ours-view.yml", AnsibleVault.Encrypt(plaintext, cli.Password));
        cli.RunOk("ansible-vault", "view", "--vault-password-file", cli.PasswordFile, file)
            .TrimEnd('\n').ShouldBe(plaintext);
    }

    [Fact]
    public void Ansible_encrypt_string_inline_value_decrypts_with_ours()
    {
        const string value = "s3cr3t: with 'quotes' ✓";
        var snippet = cli.RunOk("ansible-vault", "encrypt_string", "--vault-password-file", cli.PasswordFile,
            "--name", "db_password", value);
        snippet.ShouldStartWith("db_password: !vault |\n          $ANSIBLE_VAULT;1.1;AES256\n");

        var yaml = new YamlStream();
        yaml.Load(new StringReader(snippet));
        var node = (YamlScalarNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("db_password")];
        AnsibleVault.Decrypt(node.Value!, cli.Password).ShouldBe(value);

        // The indented block exactly as it appears in the file also works.
        var block = snippet[(snippet.IndexOf('\n') + 1)..];
        AnsibleVault.Decrypt(block, cli.Password).ShouldBe(value);
    }

    [Fact]
    public void Our_EncryptString_is_read_by_ansible_as_a_vars_file()
    {
        const string value = "pa:ss \"wörd\" ✓";
        var vars = cli.File("vars.yml", "plain_var: hello\n" + AnsibleVault.EncryptString("db_password", new Secret(value), cli.Password));
        var stdout = cli.RunOk("ansible", "localhost", "-m", "debug", "-a", "var=db_password",
            "-e", "@" + vars, "--vault-password-file", cli.PasswordFile);

        stdout.ShouldContain("SUCCESS");
        var json = JsonDocument.Parse(stdout[(stdout.IndexOf("=>", StringComparison.Ordinal) + 2)..]);
        json.RootElement.GetProperty("db_password").GetString().ShouldBe(value);
    }

    [Fact]
    public void Ansible_1_2_with_vault_id_decrypts_with_ours()
    {
        var file = cli.File("ansible-12.yml", MultiLineUnicode);
        cli.RunOk("ansible-vault", "encrypt", "--vault-id", "prod@" + cli.PasswordFile, file);
        var vaultText = cli.Read("ansible-12.yml");
        vaultText.ShouldStartWith("$ANSIBLE_VAULT;1.2;AES256;prod\n");
        AnsibleVault.Decrypt(vaultText, cli.Password).ShouldBe(MultiLineUnicode);
    }

    [Fact]
    public void Our_1_2_with_vault_id_decrypts_with_ansible()
    {
        var vaultText = AnsibleVault.Encrypt(MultiLineUnicode, cli.Password, "prod");
        vaultText.ShouldStartWith("$ANSIBLE_VAULT;1.2;AES256;prod\n");
        var file = cli.File("ours-12.yml", vaultText);
        cli.RunOk("ansible-vault", "decrypt", "--vault-id", "prod@" + cli.PasswordFile, "--output", "-", file)
            .ShouldBe(MultiLineUnicode);
    }

    [Fact]
    public void Ansible_rejects_our_encryption_under_a_different_password()
    {
        var file = cli.File("ours-other-pw.yml", AnsibleVault.Encrypt("x", new Secret("another password")));
        var (code, _, stderr) = cli.Run("ansible-vault", "decrypt", "--vault-password-file", cli.PasswordFile, "--output", "-", file);
        code.ShouldNotBe(0);
        stderr.ShouldContain("Decryption failed");
    }

    [Fact]
    public void Password_script_means_the_same_password_to_ansible_and_to_us()
    {
        // Executable password file: Ansible runs it and strips CR/LF only; so must we.
        var script = cli.File("pass-script.sh", "#!/bin/sh\nprintf ' scripted pässword \\r\\n'\n");
        if (!OperatingSystem.IsWindows()) System.IO.File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var resolved = new VaultPasswordSource(script, _ => null).Resolve();

        var snippet = cli.RunOk("ansible-vault", "encrypt_string", "--vault-password-file", script, "--name", "v", "via script");
        AnsibleVault.Decrypt(snippet[(snippet.IndexOf('\n') + 1)..], resolved).ShouldBe("via script");

        // Plain file with surrounding whitespace: Ansible strips it all; so must we.
        var padded = cli.File("padded-pass.txt", "\t padded pass  \n\n");
        var fromFile = new VaultPasswordSource(padded, _ => null).Resolve();
        var ours = cli.File("ours-padded.yml", AnsibleVault.Encrypt("padded ok", fromFile));
        cli.RunOk("ansible-vault", "view", "--vault-password-file", padded, ours).TrimEnd('\n').ShouldBe("padded ok");
    }
}
