using System.Security.Cryptography;
using System.Text;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Facts;
using Datalyptica.Secrets;

namespace Datalyptica.Engine.Resources;

/// <summary>
/// A file with exact content, owner, group and mode. Content may hold <c>@@secret:vault_x@@</c> placeholders: the plan
/// compares the hash of the RESOLVED content with the host's, but shows (and stores) only the unresolved text.
/// Writes go through <see cref="SafeFileWrite"/>: one command with the content on stdin that creates a temp name beside
/// the target exclusively and without following links, sets owner and mode before writing, and renames it over the target.
/// </summary>
public sealed record FileResource(string Path, string Content, string Component) : IResource
{
    public string Owner { get; init; } = "root";
    public string Group { get; init; } = "root";
    public UnixFileMode Mode { get; init; } = Modes.Public;
    public FileKind Kind { get; init; } = FileKind.Config;

    public string Id => IdFor(Path);
    public static string IdFor(string path) => $"file:{path}";

    public static FileResource From(RenderedFile file) =>
        new(file.Path, file.Content, file.Component) { Owner = file.Owner, Group = file.Group, Mode = file.Mode, Kind = file.Kind };

    public bool HasSecrets => SecretPlaceholder.Find(Content).Any();

    public void Require(FactQuery query) => query.File(Path);

    public ResourcePlan Plan(HostFacts facts, PlanContext context)
    {
        var fact = facts.File(Path);
        var mode = Modes.Octal(Mode);
        if (fact.NotARegularFile)
            return ResourcePlan.Of(new Change(ChangeAction.Unavailable,
                $"something that is not a regular file is at {Path}; remove it by hand, then apply again") { Sensitive = HasSecrets });

        if (!fact.Exists)
            return ResourcePlan.Of(new Change(ChangeAction.Create, $"absent; {mode} {Owner}:{Group}, {LineCount(Content)} lines")
                { Steps = WriteSteps(context), Sensitive = HasSecrets });

        if (Kind == FileKind.Seed)
            return ResourcePlan.Noop("seed file exists; the service owns its content now");

        var desiredHash = ResolvedHash(context);
        if (desiredHash is null)
            return ResourcePlan.Of(new Change(ChangeAction.Update, "holds secrets and the vault is not open: content cannot be compared, it will be rewritten")
                { Steps = WriteSteps(context), Sensitive = true });

        if (desiredHash != fact.Sha256)
            return ResourcePlan.Of(new Change(ChangeAction.Update, $"content differs (sha256 {Short(fact.Sha256)} -> {Short(desiredHash)})")
                { Steps = WriteSteps(context), Sensitive = HasSecrets, Diff = Diff(facts, context) });

        var drift = new List<string>();
        if (fact.Mode != mode) drift.Add($"mode {fact.Mode} -> {mode}");
        if (fact.Owner != Owner || fact.Group != Group) drift.Add($"owner {fact.Owner}:{fact.Group} -> {Owner}:{Group}");
        if (drift.Count > 0)
            // Rewritten rather than chown/chmod by name: both follow a link swapped in at the target (issue 13).
            return ResourcePlan.Of(new Change(ChangeAction.Update, string.Join(", ", drift))
            {
                Steps = WriteSteps(context),
                Sensitive = HasSecrets,
            });

        return ResourcePlan.Noop($"content, mode and owner match (sha256 {Short(desiredHash)})");
    }

    /// <summary>SHA-256 of the content with secrets resolved; null when a secret cannot be resolved.</summary>
    public string? ResolvedHash(PlanContext context)
    {
        var missing = false;
        var resolved = SecretPlaceholder.Resolve(Content, name =>
        {
            var secret = context.ResolveSecret(name);
            if (secret is null) missing = true;
            return secret?.Reveal() ?? "";
        });
        return missing ? null : Sha256Hex(resolved);
    }

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private IReadOnlyList<PlanStep> WriteSteps(PlanContext context) =>
        [PlanStep.Upload(context.OnHost(Path), Content, Owner, Group, Modes.Octal(Mode))];

    /// <summary>
    /// Unified diff of the host's content against ours. The host's copy has real secret values (and verifiers derived from
    /// them): each is turned back into its placeholder (and any other known secret masked) before diffing, so a value never reaches the plan.
    /// </summary>
    private string Diff(HostFacts facts, PlanContext context) =>
        facts.FileContents.TryGetValue(Path, out var current)
            ? UnifiedDiff.Of(MaskHostContent(current, context), Content, "host" + Path, "plan" + Path)
            : $"(current content of {Path} not fetched)";

    /// <summary>
    /// The host's content of this file with every secret it holds turned back into its placeholder (as this resource's
    /// content writes it), any other known secret masked and SCRAM verifiers masked: what a plan diff or a snapshot may show.
    /// </summary>
    public string MaskHostContent(string current, PlanContext context)
    {
        // Each placeholder as written: a plain one resolves to the vault value, a derived one (a SCRAM verifier) to what
        // the host holds for it, so neither a secret nor a verifier reaches the plan.
        foreach (var token in SecretPlaceholder.Tokens(Content))
            if (SecretPlaceholder.Find(token).All(name => context.ResolveSecret(name) is { } s && s.Reveal().Length > 0))
                current = current.Replace(SecretPlaceholder.Resolve(token, name => context.ResolveSecret(name)!.Reveal()), token, StringComparison.Ordinal);
        return ScramVerifier.Mask(context.Masker?.Mask(current) ?? current);
    }

    private static int LineCount(string text) => text.Length == 0 ? 0 : text.Count(c => c == '\n') + (text.EndsWith('\n') ? 0 : 1);
    private static string Short(string? sha) => sha is null ? "none" : sha[..Math.Min(12, sha.Length)];
}
