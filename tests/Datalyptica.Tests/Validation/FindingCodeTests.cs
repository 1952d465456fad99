using System.Reflection;
using System.Text.RegularExpressions;
using Datalyptica.Diagnostics;

namespace Datalyptica.Tests.Validation;

/// <summary>The registry of finding codes: one declaration per code, used everywhere, and the docs generated from it.</summary>
public sealed partial class FindingCodeTests
{
    public const string UpdateDocsVariable = "DATALYPTICA_UPDATE_DOCS";

    [Fact]
    public void Every_code_and_every_name_is_declared_once()
    {
        var duplicateCodes = FindingCodes.All.GroupBy(c => c.Code).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        duplicateCodes.ShouldBeEmpty("a code declared twice means two different findings share it");
        var duplicateNames = FindingCodes.All.GroupBy(c => c.Name).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        duplicateNames.ShouldBeEmpty();
        foreach (var c in FindingCodes.All)
        {
            c.Code.ShouldMatch("^DL[0-9]{3}$");
            c.Name.ShouldMatch("^[a-z0-9]+(-[a-z0-9]+)*$", $"{c.Code}: the name is short, stable, kebab-case");
            c.Meaning.ShouldNotBeNullOrWhiteSpace(c.Code);
            c.Meaning.ShouldNotContain("\n", Case.Sensitive, c.Code);
        }
    }

    [Fact]
    public void All_lists_every_declared_field()
    {
        var fields = typeof(FindingCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(FindingCode)).Select(f => (FindingCode)f.GetValue(null)!).ToList();
        fields.Count.ShouldBeGreaterThan(0);
        fields.Select(f => f.Code).Order(StringComparer.Ordinal).ShouldBe(FindingCodes.All.Select(c => c.Code));
    }

    [GeneratedRegex(@"""DL(?:[0-9]|""|\{)")]
    private static partial Regex CodeLiteral();

    [Fact]
    public void No_code_is_written_as_a_literal_outside_the_registry()
    {
        var registry = Path.Combine("src", "Datalyptica", "Diagnostics", "FindingCodes.cs");
        var offenders = SourceFiles()
            .Where(f => f.Relative != registry)
            .SelectMany(f => File.ReadLines(f.Full).Select((line, i) => (f.Relative, Line: i + 1, Text: line)))
            .Where(l => CodeLiteral().IsMatch(l.Text))
            .Select(l => $"{l.Relative}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        offenders.ShouldBeEmpty("use a FindingCodes field, never a \"DLnnn\" string");
    }

    [Fact]
    public void Every_declared_code_is_reported_somewhere_in_src()
    {
        var source = string.Join("\n", SourceFiles().Where(f => !f.Relative.EndsWith("FindingCodes.cs", StringComparison.Ordinal))
            .Select(f => File.ReadAllText(f.Full)));
        var fields = typeof(FindingCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(FindingCode));
        var unused = fields.Where(f => !Regex.IsMatch(source, $@"\bFindingCodes\.{f.Name}\b")).Select(f => f.Name).ToList();
        unused.ShouldBeEmpty("a code nobody reports is a stale declaration");
    }

    [Fact]
    public void The_table_has_one_row_per_code_in_code_order()
    {
        var rows = FindingCodes.MarkdownTable().Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).ToList();
        rows.Count.ShouldBe(FindingCodes.All.Count);
        rows.Select(r => r.Split('|')[1].Trim()).ShouldBe(FindingCodes.All.Select(c => c.Code).Order(StringComparer.Ordinal));
        rows.ShouldAllBe(r => Regex.Split(r, @"(?<!\\)\|").Length == 6); // a '|' in a meaning is escaped, not a new column
    }

    [Fact]
    public void Validation_md_lists_the_registry()
    {
        GeneratedDocs.CheckSection("docs/VALIDATION.md", "finding codes", FindingCodes.MarkdownTable(),
            $"{UpdateDocsVariable}=1 dotnet test tests/Datalyptica.Tests --filter FullyQualifiedName~FindingCodeTests");
    }

    private static IEnumerable<(string Full, string Relative)> SourceFiles()
    {
        var root = GeneratedDocs.RepositoryRoot;
        return Directory.EnumerateFiles(Path.Combine(root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") &&
                        !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => (f, Path.GetRelativePath(root, f)));
    }
}

/// <summary>
/// A section of a committed document generated from code, between
/// <c>&lt;!-- generated: NAME ... --&gt;</c> and <c>&lt;!-- end generated: NAME --&gt;</c>. A test fails when the
/// committed text is stale; with DATALYPTICA_UPDATE_DOCS=1 it rewrites the section instead.
/// </summary>
internal static class GeneratedDocs
{
    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Datalyptica.slnx"))) return dir.FullName;
        throw new InvalidOperationException($"no Datalyptica.slnx above {AppContext.BaseDirectory}");
    }

    public static void CheckSection(string relativePath, string name, string generated, string regenerate)
    {
        var path = Path.Combine(RepositoryRoot, relativePath);
        var text = File.ReadAllText(path);
        var startMarker = $"<!-- generated: {name}";
        var endMarker = $"<!-- end generated: {name} -->";
        var start = text.IndexOf(startMarker, StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"{relativePath} has no '{startMarker} -->' marker");
        var bodyStart = text.IndexOf('\n', start) + 1;
        var end = text.IndexOf(endMarker, bodyStart, StringComparison.Ordinal);
        end.ShouldBeGreaterThanOrEqualTo(0, $"{relativePath} has no '{endMarker}' marker after the start marker");
        if (text[bodyStart..end] == generated) return;
        if (Environment.GetEnvironmentVariable(FindingCodeTests.UpdateDocsVariable) == "1")
        {
            File.WriteAllText(path, text[..bodyStart] + generated + text[end..]);
            return;
        }
        throw new ShouldAssertException(
            $"{relativePath}: the generated section '{name}' is stale. Regenerate it with: {regenerate}");
    }
}
