using System.Text.Json;
using Datalyptica.Cli;
using Datalyptica.Inventory;
using Datalyptica.Secrets;
using Datalyptica.Tests.Inventory;
using Spectre.Console.Testing;

namespace Datalyptica.Tests.Cli;

/// <summary>What one in-process run of the CLI printed: stdout (the console) and stderr (the error writer).</summary>
internal sealed record CliResult(string[] Args, int ExitCode, string Out, string Err)
{
    public string All => Out + "\n" + Err;

    public override string ToString() =>
        $"datalyptica {string.Join(' ', Args)} -> exit {ExitCode}\n--- stdout ---\n{Out}\n--- stderr ---\n{Err}";

    public CliResult ShouldSucceed()
    {
        ExitCode.ShouldBe(DatalypticaCli.Ok, ToString());
        return this;
    }

    /// <summary>
    /// The run failed: a failure code of <see cref="ExitCodes.Table"/> (not 0, not plan's "changes pending"). Tests
    /// about a specific code use <see cref="ShouldExit"/>.
    /// </summary>
    public CliResult ShouldFail()
    {
        ExitCodes.Table.Select(e => e.Code).Except([ExitCodes.Ok, ExitCodes.ChangesPending]).ShouldContain(ExitCode, ToString());
        return this;
    }

    public CliResult ShouldExit(int code)
    {
        ExitCode.ShouldBe(code, ToString());
        return this;
    }

    /// <summary>Stdout parsed as one JSON document (fails the test if it is anything else) with formatVersion 1.</summary>
    public JsonElement Json()
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(Out); }
        catch (JsonException e) { throw new ShouldAssertException($"stdout is not valid JSON ({e.Message}):\n{this}"); }
        var root = doc.RootElement;
        root.ValueKind.ShouldBe(JsonValueKind.Object, ToString());
        root.TryGetProperty("formatVersion", out var version).ShouldBeTrue($"no formatVersion:\n{this}");
        version.GetInt32().ShouldBe(1);
        return root;
    }
}

internal static class CliRunner
{
    /// <summary>
    /// Runs the CLI in-process. The console is very wide so that human output is not wrapped (a wrapped
    /// line could split a secret and hide a leak, or split a file:line reference).
    /// </summary>
    public static CliResult Run(params string[] args) => RunWithWidth(10_000, args);

    public static CliResult RunWithWidth(int width, params string[] args)
    {
        var console = new TestConsole().Width(width);
        // Output to a string is not a terminal: no ANSI (TestConsole reports it by default, and the plan colours by it).
        console.Profile.Capabilities.Ansi = false;
        var error = new StringWriter();
        // Tests never answer a question: a verb that would ask is refused as it is in a script.
        var code = DatalypticaCli.Run(args, new CliIo(console, error) { CanAsk = false });
        return new CliResult(args, code, console.Output, error.ToString());
    }
}

/// <summary>A temp folder with a known vault password file, for sites made by init.</summary>
internal sealed class SiteFixture : IDisposable
{
    public const string KnownPassword = "Kn0wn-Vault-Passw0rd-7f3c9a1e";

    private readonly TempDir _temp = new();

    public SiteFixture()
    {
        PasswordFile = _temp.Write("vault-pass.txt", KnownPassword + "\n");
    }

    public string Root => _temp.Path;
    public string PasswordFile { get; }
    public Secret Password { get; } = new(KnownPassword);

    public string PathOf(string relative) => System.IO.Path.Combine(Root, relative);

    public string Write(string relative, string content) => _temp.Write(relative, content);

    /// <summary>Writes a file only its owner may read (mode 0600), as a site's .vault-password must be.</summary>
    public static string WritePrivate(string path, string content)
    {
        File.Delete(path);
        using (var stream = new FileStream(path, new FileStreamOptions
               { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        using (var writer = new StreamWriter(stream))
            writer.Write(content);
        return path;
    }

    /// <summary>`init --profile P --out ROOT/name --vault-password-file KNOWN` and returns the site folder.</summary>
    public string Init(string profile, string name, params string[] extra)
    {
        var dir = PathOf(name);
        CliRunner.Run(["init", "--profile", profile, "--out", dir, "--vault-password-file", PasswordFile, .. extra]).ShouldSucceed();
        return dir;
    }

    public void Dispose() => _temp.Dispose();
}

internal static class GeneratedSite
{
    /// <summary>The inline !vault values of group_vars/all.yml, decrypted with our library.</summary>
    public static IReadOnlyDictionary<string, string> DecryptSecrets(string siteDir, Secret password)
    {
        var all = AnsibleInventoryReader.Read(siteDir, (file, text) => AnsibleVault.Decrypt(text, password, file)).FindGroup("all").ShouldNotBeNull();
        var secrets = all.Vars
            .Where(v => v.Value is VaultedValue)
            .ToDictionary(v => v.Key, v => AnsibleVault.Decrypt(((VaultedValue)v.Value).Ciphertext, password, v.Key));
        secrets.ShouldNotBeEmpty($"no !vault values in {siteDir}/group_vars/all.yml");
        return secrets;
    }
}
