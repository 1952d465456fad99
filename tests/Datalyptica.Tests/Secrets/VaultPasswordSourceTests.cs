using Datalyptica.Secrets;

namespace Datalyptica.Tests.Secrets;

public sealed class VaultPasswordSourceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dl-vaultpw-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Key == name).Value;

    private string WriteFile(string name, string content, bool executable = false)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, executable
            ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    [Fact]
    public void Password_file_content_without_trailing_newline()
    {
        var file = WriteFile("pw", "file-password\n");
        new VaultPasswordSource(file, Env()).Resolve().Reveal().ShouldBe("file-password");
    }

    [Fact]
    public void Password_file_is_stripped_of_surrounding_whitespace_like_ansible()
    {
        var file = WriteFile("pw", "  spaced pass \r\n\n");
        new VaultPasswordSource(file, Env()).Resolve().Reveal().ShouldBe("spaced pass");
    }

    [Fact]
    public void Executable_password_file_is_run_and_its_stdout_used()
    {
        var script = WriteFile("pw.sh", "#!/bin/sh\nprintf ' from script \\n'\n", executable: true);
        new VaultPasswordSource(script, Env()).Resolve().Reveal().ShouldBe(" from script ");
    }

    [Fact]
    public void Client_script_gets_the_default_vault_id()
    {
        var script = WriteFile("vault-pass-client.sh", "#!/bin/sh\necho \"id=$1:$2\"\n", executable: true);
        new VaultPasswordSource(script, Env()).Resolve().Reveal().ShouldBe("id=--vault-id:default");
    }

    [Fact]
    public void Failing_script_gives_a_clear_error()
    {
        var script = WriteFile("fail.sh", "#!/bin/sh\necho partial-output\nexit 3\n", executable: true);
        var ex = Should.Throw<VaultException>(() => new VaultPasswordSource(script, Env()).Resolve());
        ex.Message.ShouldContain("fail.sh");
        ex.Message.ShouldContain("3");
        ex.Message.ShouldNotContain("partial-output");
    }

    [Fact]
    public void Explicit_file_wins_over_environment()
    {
        var file = WriteFile("pw", "from-file\n");
        var other = WriteFile("other", "from-ansible-file\n");
        var source = new VaultPasswordSource(file, Env(
            (VaultPasswordSource.PasswordEnvironmentVariable, "from-env"),
            (VaultPasswordSource.PasswordFileEnvironmentVariable, other)));
        source.Resolve().Reveal().ShouldBe("from-file");
        source.Describe().ShouldBe($"--vault-password-file {file}");
    }

    [Fact]
    public void Datalyptica_env_wins_over_ansible_password_file_env()
    {
        var other = WriteFile("other", "from-ansible-file\n");
        var source = new VaultPasswordSource(null, Env(
            ("DATALYPTICA_VAULT_PASSWORD", "from-env"),
            ("ANSIBLE_VAULT_PASSWORD_FILE", other)));
        source.Resolve().Reveal().ShouldBe("from-env");
        source.Describe().ShouldBe("DATALYPTICA_VAULT_PASSWORD");
    }

    [Fact]
    public void Ansible_password_file_env_is_the_last_resort()
    {
        var other = WriteFile("other", "from-ansible-file\n");
        var source = new VaultPasswordSource(null, Env(("ANSIBLE_VAULT_PASSWORD_FILE", other)));
        source.Resolve().Reveal().ShouldBe("from-ansible-file");
        source.IsConfigured.ShouldBeTrue();
    }

    [Fact]
    public void No_source_gives_the_actionable_error_naming_the_file_that_needs_it()
    {
        var source = new VaultPasswordSource(null, Env());
        source.IsConfigured.ShouldBeFalse();
        source.Describe().ShouldBeNull();
        Should.Throw<VaultException>(() => source.Resolve()).Message.ShouldBe(
            "this site has encrypted values in group_vars/all/vault.yml; give --vault-password-file or set DATALYPTICA_VAULT_PASSWORD");
        Should.Throw<VaultException>(() => source.Resolve("sites/lab/group_vars/all/vault.yml")).Message
            .ShouldStartWith("this site has encrypted values in sites/lab/group_vars/all/vault.yml;");
    }

    [Fact]
    public void Missing_or_empty_password_file_is_an_error_not_a_fallthrough()
    {
        var missing = Path.Combine(_dir, "nope");
        var source = new VaultPasswordSource(missing, Env(("DATALYPTICA_VAULT_PASSWORD", "from-env")));
        var missingError = Should.Throw<VaultException>(() => source.Resolve());
        missingError.Message.ShouldContain("does not exist");
        missingError.Problem.ShouldBe(VaultProblem.PasswordUnavailable);

        var empty = WriteFile("empty", " \n");
        Should.Throw<VaultException>(() => new VaultPasswordSource(empty, Env()).Resolve()).Message.ShouldContain("empty");
    }
}
