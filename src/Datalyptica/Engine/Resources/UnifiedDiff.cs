using DiffPlex.Renderer;

namespace Datalyptica.Engine.Resources;

/// <summary>A unified diff of two texts with 3 lines of context (plan diffs, snapshot differences).</summary>
public static class UnifiedDiff
{
    public static string Of(string before, string after, string beforeName, string afterName) =>
        UnidiffRenderer.GenerateUnidiff(Body(before), Body(after), beforeName, afterName, false, false, 3);

    // DiffPlex counts the empty string after a final newline as a line; drop it from both sides.
    private static string Body(string s) => s.EndsWith('\n') ? s[..^1] : s;
}
