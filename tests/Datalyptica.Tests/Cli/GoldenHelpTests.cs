using Datalyptica.Cli;
using Datalyptica.Tests.Docs;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// Every verb's --help, compared exactly with the text kept in tests/Datalyptica.Tests/Cli/Help/ (one file per verb,
/// 120 columns, trailing spaces trimmed), so a change to what a verb offers shows up in review. Run the tests with
/// DATALYPTICA_UPDATE_DOCS=1 to rewrite the files (then review the diff and commit it).
/// </summary>
public sealed class GoldenHelpTests
{
    public static TheoryData<string> Verbs() => new(DatalypticaCli.VerbPaths().Prepend(""));

    [Theory]
    [MemberData(nameof(Verbs))]
    public void Help_is_what_the_golden_file_says(string verb)
    {
        var args = verb.Length == 0 ? new[] { "--help" } : [.. verb.Split(' '), "--help"];
        var result = CliRunner.RunWithWidth(120, args).ShouldSucceed();
        result.Err.ShouldBeEmpty();
        var help = string.Join('\n', result.Out.Replace("\r", "").Split('\n').Select(l => l.TrimEnd())).TrimEnd() + "\n";
        var file = Path.Combine(GeneratedSection.RepositoryRoot(), "tests", "Datalyptica.Tests", "Cli", "Help",
            (verb.Length == 0 ? "datalyptica" : verb.Replace(' ', '-')) + ".txt");
        if (Environment.GetEnvironmentVariable("DATALYPTICA_UPDATE_DOCS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, help);
            return;
        }
        File.Exists(file).ShouldBeTrue($"no golden help for '{verb}': run the tests with DATALYPTICA_UPDATE_DOCS=1 and commit {file}");
        help.ShouldBe(File.ReadAllText(file), $"help of '{verb}' changed: review it, then run the tests with DATALYPTICA_UPDATE_DOCS=1 and commit the result");
    }

    /// <summary>Every example the help shows parses: no option the verb lacks, no argument it does not take.</summary>
    [Fact]
    public void Every_example_in_the_help_parses()
    {
        IEnumerable<string[]> Examples(Spectre.Console.Cli.Help.ICommandContainer c) => c.Examples.Concat(c.Commands.SelectMany(Examples));
        var examples = Examples(DatalypticaCli.CommandModel()).Distinct().ToList();
        examples.Count.ShouldBeGreaterThan(15);
        foreach (var example in examples)
            CliRunner.Run([.. example, "--help"]).ShouldSucceed(); // --help stops before running, after the strict parse
    }

    [Fact]
    public void Every_golden_file_belongs_to_a_verb()
    {
        var dir = Path.Combine(GeneratedSection.RepositoryRoot(), "tests", "Datalyptica.Tests", "Cli", "Help");
        var expected = DatalypticaCli.VerbPaths().Select(v => v.Replace(' ', '-') + ".txt").Append("datalyptica.txt").Order(StringComparer.Ordinal);
        Directory.GetFiles(dir, "*.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal).ShouldBe(expected!);
    }
}
