using Datalyptica.Diagnostics;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Secrets;

/// <summary>
/// Where a site's vault password comes from (issue 13): the user's sources first, then SITE/ansible.cfg's
/// vault_password_file, then SITE/.vault-password; a file found through the site is never run and must be a 0600
/// regular file of this user.
/// </summary>
public sealed class SitePasswordSourceTests : IDisposable
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly SiteFixture _fixture = new();
    private readonly string _site;

    public SitePasswordSourceTests() => _site = Directory.CreateDirectory(_fixture.PathOf("site")).FullName;

    public void Dispose() => _fixture.Dispose();

    private static Func<string, string?> Env(params (string Key, string Value)[] vars) => name => vars.FirstOrDefault(v => v.Key == name).Value;

    private string SiteFile(string relative, string content, UnixFileMode mode = Private)
    {
        var path = Path.Combine(_site, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        SiteFixture.WritePrivate(path, content);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    private VaultPasswordSource Source(Func<string, string?>? env = null, string? option = null) =>
        SiteSession.PasswordSource(_site, option, env ?? Env());

    [Fact]
    public void The_sites_password_file_at_0600_is_read()
    {
        SiteFile(".vault-password", "site-pw\n");
        Source().Resolve().Reveal().ShouldBe("site-pw");
    }

    [Theory]
    [InlineData(0b110_100_100, "can be read or written by others (mode 0644)")]
    [InlineData(0b110_110_000, "can be read or written by others (mode 0660)")]
    [InlineData(0b111_000_000, "is executable (mode 0700)")]
    public void The_sites_password_file_readable_by_others_or_executable_is_refused_and_never_run(int mode, string why)
    {
        var marker = _fixture.PathOf("ran");
        SiteFile(".vault-password", $"#!/bin/sh\ntouch {marker}\necho pw\n", (UnixFileMode)mode);

        var error = Should.Throw<VaultException>(() => Source().Resolve());

        error.Problem.ShouldBe(VaultProblem.PasswordFileUnsafe);
        error.Message.ShouldContain(why);
        error.Message.ShouldContain($"chmod 600 {Path.Combine(_site, ".vault-password")}");
        File.Exists(marker).ShouldBeFalse("a file found in the site was run");
    }

    [Fact]
    public void The_sites_password_file_as_a_symbolic_link_is_refused_even_to_a_good_file()
    {
        var target = _fixture.Write("real-pw", "pw\n");
        File.SetUnixFileMode(target, Private);
        File.CreateSymbolicLink(Path.Combine(_site, ".vault-password"), target);

        Should.Throw<VaultException>(() => Source().Resolve()).Message.ShouldContain("is a symbolic link");
    }

    [Fact]
    public void The_sites_password_file_of_another_user_is_refused()
    {
        if (Datalyptica.IO.UnixFile.EffectiveUserId != 0) return; // only root can give a file away; the suite runs as root (setup.sh)
        var file = SiteFile(".vault-password", "pw\n");
        Tool.Run("chown", ["65534", file]).ExitCode.ShouldBe(0);

        Should.Throw<VaultException>(() => Source().Resolve()).Message.ShouldContain("belongs to user id 65534");
    }

    [Fact]
    public void An_explicitly_given_script_still_runs_as_in_ansible()
    {
        var script = _fixture.Write("pw.sh", "#!/bin/sh\necho from-script\n");
        File.SetUnixFileMode(script, Private | UnixFileMode.UserExecute);
        SiteFile(".vault-password", "site-pw\n");

        Source(option: script).Resolve().Reveal().ShouldBe("from-script");
    }

    [Fact]
    public void Ansible_cfg_next_to_the_site_comes_after_the_environment_and_before_the_sites_file()
    {
        SiteFile(".vault-password", "site-pw\n");
        SiteFile("keys/pw.txt", "cfg-pw\n");
        SiteFile("ansible.cfg", "# comment\n[ssh_connection]\nvault_password_file = nope\n[defaults]\ninventory = hosts.yml\nVault_Password_File = keys/pw.txt\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var envFile = _fixture.Write("env-pw", "env-file-pw\n");

        Source().Resolve().Reveal().ShouldBe("cfg-pw");
        Source().Describe().ShouldBe("keys/pw.txt (from ansible.cfg vault_password_file)");
        Source(Env((VaultPasswordSource.PasswordFileEnvironmentVariable, envFile))).Resolve().Reveal().ShouldBe("env-file-pw");
        Source(Env((VaultPasswordSource.PasswordEnvironmentVariable, "env-pw"))).Resolve().Reveal().ShouldBe("env-pw");
    }

    [Fact]
    public void Ansible_cfg_naming_a_script_does_not_run_it()
    {
        var marker = _fixture.PathOf("ran");
        var script = _fixture.Write("pw.sh", $"#!/bin/sh\ntouch {marker}\necho pw\n");
        File.SetUnixFileMode(script, Private | UnixFileMode.UserExecute);
        SiteFile("ansible.cfg", $"[defaults]\nvault_password_file = {script}\n");

        Should.Throw<VaultException>(() => Source().Resolve()).Problem.ShouldBe(VaultProblem.PasswordFileUnsafe);
        File.Exists(marker).ShouldBeFalse();
    }

    [Fact]
    public void Ansible_reads_the_same_password_file_from_the_same_ansible_cfg()
    {
        SiteFile("pw.txt", "cross-check-pw\n");
        SiteFile("ansible.cfg", "[defaults]\nvault_password_file = pw.txt\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.WriteAllText(Path.Combine(_site, "v.yml"), AnsibleVault.Encrypt("opened by ansible\n", Source().Resolve()));

        // Ansible reads ./ansible.cfg from the working folder (the site); relative paths in it are relative to it.
        var view = Tool.Run("ansible-vault", ["view", "v.yml"], workingDirectory: _site,
            environment: new Dictionary<string, string> { ["ANSIBLE_CONFIG"] = Path.Combine(_site, "ansible.cfg"), ["HOME"] = _fixture.Root });

        view.ExitCode.ShouldBe(0, view.Output);
        view.Stdout.ShouldBe("opened by ansible\n");
    }

    [Theory]
    [InlineData("[defaults]\nvault_password_file: 'a b.txt'\n", "a b.txt")]
    [InlineData("[defaults]\nvault_password_file=x\nvault_password_file = y\n", "y")]
    [InlineData("[other]\nvault_password_file = x\n", null)]
    [InlineData("[defaults]\n; vault_password_file = x\n", null)]
    public void Ansible_cfg_is_read_as_configparser_reads_it(string text, string? expected)
    {
        AnsibleConfig.Value(text, "defaults", AnsibleConfig.VaultPasswordFileKey).ShouldBe(expected);
    }
}
