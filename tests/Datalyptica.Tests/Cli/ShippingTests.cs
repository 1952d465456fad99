using Datalyptica.Cli;
using Datalyptica.Cli.Shipping;

namespace Datalyptica.Tests.Cli;

/// <summary>Issue 17: version, verbose, the manual page and shell completion, each checked with the real tool that reads it.</summary>
public sealed class ShippingTests
{
    [Fact]
    public void Version_and_dash_dash_version_print_the_version_and_the_git_commit()
    {
        var head = ExternalTool.Run("git", ["-C", AppContext.BaseDirectory, "rev-parse", "HEAD"]).Stdout.Trim();
        foreach (var args in new[] { new[] { "version" }, ["--version"] })
        {
            var line = CliRunner.Run(args).ShouldSucceed().Out.Trim();
            line.ShouldStartWith($"datalyptica {Datalyptica.Cli.Commands.BuildInfo.Version} (commit ");
            line.ShouldContain(".NET ");
        }
        var json = CliRunner.Run("version", "-o", "json").ShouldSucceed().Json();
        json.GetProperty("version").GetString().ShouldBe(Datalyptica.Cli.Commands.BuildInfo.Version);
        // Source Link records the commit the build was made from: the checkout's HEAD, give or take uncommitted edits.
        json.GetProperty("commit").GetString()!.Length.ShouldBe(40);
        head.Length.ShouldBe(40);
    }

    [Fact]
    public void Verbose_traces_the_run_on_stderr_and_short_v_is_not_version()
    {
        // The real binary: the trace is process-wide, so it is not switched on inside the shared test process.
        var cli = Path.Combine(AppContext.BaseDirectory, "datalyptica");
        var (stdout, stderr) = RunWithInput(cli, ["profiles", "-v"], "");
        stderr.ShouldContain("[trace +");
        stderr.ShouldContain("profiles started (datalyptica ");
        stdout.ShouldContain("production");
        stdout.ShouldNotContain("[trace");
        RunWithInput(cli, ["profiles"], "").Stderr.ShouldBeEmpty();
    }

    [Fact]
    public void The_man_page_renders_without_a_groff_warning_and_lists_every_verb_option_and_exit_code()
    {
        var roff = CliRunner.Run("man").ShouldSucceed().Out;
        // No hyphenation and long lines, so every phrase stays on one line to be found.
        var (rendered, warnings) = RunWithInput("groff", ["-man", "-Tutf8", "-ww", "-rHY=0", "-rLL=2000n", "-P", "-cbou"], roff);
        warnings.ShouldBeEmpty();
        var text = System.Text.RegularExpressions.Regex.Replace(rendered, @"\s+", " ");
        foreach (var verb in DatalypticaCli.VerbPaths()) text.ShouldContain($"datalyptica {verb}");
        text.ShouldContain("--auto-approve");
        text.ShouldContain("--vault-password-file FILE");
        foreach (var e in ExitCodes.Table) text.ShouldContain($"{e.Name}:");
        text.ShouldContain("DATALYPTICA_VAULT_PASSWORD");
    }

    [Theory]
    [InlineData("..hidden", "\\&..hidden")]
    [InlineData("'quoted", "\\&'quoted")]
    [InlineData("a\\b -c \"d\"", "a\\eb \\-c \\(dqd\\(dq")]
    [InlineData("one\n.TH X", "one .TH X")]
    public void Roff_text_cannot_become_a_request(string text, string expected) => ManPage.Text(text).ShouldBe(expected);

    [Theory]
    [InlineData("", "pl", "plan")]
    [InlineData("inventory ", "", "generate list --help")]
    [InlineData("apply ", "--auto", "--auto-approve")]
    [InlineData("lab up ", "--rec", "--recreate")]
    [InlineData("plan -o ", "j", "json")]
    public void Bash_completion_completes_verbs_sub_verbs_options_and_values(string typed, string current, string expected)
    {
        var script = CliRunner.Run("completion", "bash").ShouldSucceed().Out;
        var words = ("datalyptica " + typed).Split(' ', StringSplitOptions.RemoveEmptyEntries).Append(current).ToList();
        var probe = script + $"\nCOMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Count - 1}; _datalyptica; echo \"${{COMPREPLY[*]}}\"\n";
        RunWithInput("bash", ["--norc", "-s"], probe).Stdout.Trim().ShouldBe(expected);
    }

    [Fact]
    public void Bash_completion_offers_files_after_an_option_that_takes_a_path()
    {
        var dir = Directory.CreateTempSubdirectory("dl-completion-");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "vault.pass"), "");
            var script = CliRunner.Run("completion", "bash").ShouldSucceed().Out;
            var probe = script + $"\ncd '{dir.FullName}'; COMP_WORDS=(datalyptica plan --vault-password-file va); COMP_CWORD=3; _datalyptica; echo \"${{COMPREPLY[*]}}\"\n";
            RunWithInput("bash", ["--norc", "-s"], probe).Stdout.Trim().ShouldBe("vault.pass");
        }
        finally { dir.Delete(recursive: true); }
    }

    private static (string Stdout, string Stderr) RunWithInput(string file, string[] args, string input)
    {
        var (_, stdout, stderr) = ExternalTool.Run(file, args, input);
        return (stdout, stderr);
    }
}
