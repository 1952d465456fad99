using Datalyptica.Components;

namespace Datalyptica.Tests.Docs;

/// <summary>
/// Generated parts of docs/ must match the code they are generated from. Run the tests with DATALYPTICA_UPDATE_DOCS=1 to
/// rewrite them (then review the diff and commit it).
/// </summary>
public class GeneratedDocsTests
{
    [Fact]
    public void The_variable_reference_in_SITE_FORMAT_is_current() =>
        GeneratedSection.Check("docs/SITE-FORMAT.md", "variable reference", SettingsReference.Markdown());

    [Fact]
    public void The_exit_code_table_in_CLI_is_current() =>
        GeneratedSection.Check("docs/CLI.md", "exit codes", Datalyptica.Cli.ExitCodes.Markdown());
}

/// <summary>A section of a committed document between two marker comments, generated from code.</summary>
public static class GeneratedSection
{
    public static void Check(string relativePath, string name, string generated)
    {
        var path = Path.Combine(RepositoryRoot(), relativePath);
        var text = File.ReadAllText(path);
        string begin = $"<!-- generated: {name} (do not edit; DATALYPTICA_UPDATE_DOCS=1 ./test.sh rewrites it) -->\n", end = $"<!-- end generated: {name} -->";
        var start = text.IndexOf(begin, StringComparison.Ordinal);
        var stop = text.IndexOf(end, StringComparison.Ordinal);
        (start >= 0 && stop > start).ShouldBeTrue($"{relativePath} has no '{begin.TrimEnd()}' ... '{end}' markers");
        var current = text[(start + begin.Length)..stop];
        if (current == generated) return;
        if (Environment.GetEnvironmentVariable("DATALYPTICA_UPDATE_DOCS") == "1")
        {
            File.WriteAllText(path, text[..(start + begin.Length)] + generated + text[stop..]);
            return;
        }
        current.ShouldBe(generated, $"{relativePath} is stale: run the tests with DATALYPTICA_UPDATE_DOCS=1 and commit the result");
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Datalyptica.slnx"))) return dir.FullName;
        throw new InvalidOperationException("no Datalyptica.slnx above the test binaries");
    }
}
