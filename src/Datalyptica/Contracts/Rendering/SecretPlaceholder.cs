using System.Text.RegularExpressions;

namespace Datalyptica.Contracts.Rendering;

/// <summary>
/// Rendered files name secrets by their vault variable, never by value: <c>@@secret:vault_redis_password@@</c>.
/// The engine replaces placeholders with vault values on the host at apply time, so render output, plans and
/// diffs can be shown and stored without leaking anything. The marker collides with no config syntax we
/// render (Jinja/Go templates use braces, shells use $).
/// A derived form, <c>@@scram-sha-256:vault_x:SALT@@</c>, resolves to the SCRAM-SHA-256 verifier of the vault value with
/// that (base64) salt (<see cref="ScramVerifier"/>): the host gets the verifier, never the clear password.
/// </summary>
public static partial class SecretPlaceholder
{
    [GeneratedRegex(@"@@(?:secret:(?<name>vault_[A-Za-z0-9_]+)|scram-sha-256:(?<name>vault_[A-Za-z0-9_]+):(?<salt>[A-Za-z0-9+/]+={0,2}))@@")]
    private static partial Regex Pattern();

    public static string For(string vaultVariable)
    {
        CheckName(vaultVariable);
        return $"@@secret:{vaultVariable}@@";
    }

    /// <summary>The SCRAM-SHA-256 verifier of the vault value, salted with <paramref name="salt"/>, filled in at apply time.</summary>
    public static string ScramFor(string vaultVariable, byte[] salt)
    {
        CheckName(vaultVariable);
        return $"@@scram-sha-256:{vaultVariable}:{Convert.ToBase64String(salt)}@@";
    }

    private static void CheckName(string vaultVariable)
    {
        if (!vaultVariable.StartsWith("vault_", StringComparison.Ordinal))
            throw new ArgumentException($"secret variables start with vault_: '{vaultVariable}'", nameof(vaultVariable));
    }

    /// <summary>The vault variables the content's placeholders name (either form).</summary>
    public static IEnumerable<string> Find(string content) =>
        Pattern().Matches(content).Select(m => m.Groups["name"].Value).Distinct();

    /// <summary>Every distinct placeholder in the content, as written (the diff turns each resolved value back into it).</summary>
    public static IEnumerable<string> Tokens(string content) =>
        Pattern().Matches(content).Select(m => m.Value).Distinct();

    /// <summary>
    /// Replaces every placeholder with the value <paramref name="resolve"/> gives (apply time, or tests with dummies), or with
    /// that value's SCRAM verifier for the derived form (each verifier computed once per call).
    /// </summary>
    public static string Resolve(string content, Func<string, string> resolve)
    {
        var verifiers = new Dictionary<string, string>(StringComparer.Ordinal);
        return Pattern().Replace(content, m =>
        {
            var value = resolve(m.Groups["name"].Value);
            if (!m.Groups["salt"].Success) return value;
            if (!verifiers.TryGetValue(m.Value, out var verifier))
                verifiers[m.Value] = verifier = ScramVerifier.Compute(value, Convert.FromBase64String(m.Groups["salt"].Value));
            return verifier;
        });
    }
}
