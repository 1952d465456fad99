using System.Text.RegularExpressions;

namespace Datalyptica.Contracts.Rendering;

/// <summary>
/// Rendered files name secrets by their vault variable, never by value: <c>@@secret:vault_redis_password@@</c>.
/// The engine replaces placeholders with vault values on the host at apply time, so render output, plans and
/// diffs can be shown and stored without leaking anything. The marker collides with no config syntax we
/// render (Jinja/Go templates use braces, shells use $).
/// </summary>
public static partial class SecretPlaceholder
{
    [GeneratedRegex(@"@@secret:(vault_[A-Za-z0-9_]+)@@")]
    private static partial Regex Pattern();

    public static string For(string vaultVariable)
    {
        if (!vaultVariable.StartsWith("vault_", StringComparison.Ordinal))
            throw new ArgumentException($"secret variables start with vault_: '{vaultVariable}'", nameof(vaultVariable));
        return $"@@secret:{vaultVariable}@@";
    }

    public static IEnumerable<string> Find(string content) =>
        Pattern().Matches(content).Select(m => m.Groups[1].Value).Distinct();

    /// <summary>Replaces every placeholder with the value <paramref name="resolve"/> gives (apply time, or tests with dummies).</summary>
    public static string Resolve(string content, Func<string, string> resolve) =>
        Pattern().Replace(content, m => resolve(m.Groups[1].Value));
}
