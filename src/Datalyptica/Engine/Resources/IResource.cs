using Datalyptica.Engine.Facts;
using Datalyptica.Secrets;

namespace Datalyptica.Engine.Resources;

/// <summary>
/// Desired state of one thing on a host. <see cref="Plan"/> is pure: (desired, facts) → changes, no I/O;
/// <see cref="Require"/> says which facts it reads so the host's one fact script can ask for them.
/// </summary>
public interface IResource
{
    /// <summary>Stable, unique per host: "file:/etc/haproxy/haproxy.cfg", "package:haproxy", "service:patroni".</summary>
    string Id { get; }
    /// <summary>The component this belongs to (os-base, kafka, ...): services restart on their component's changes.</summary>
    string Component { get; }
    void Require(FactQuery query);
    ResourcePlan Plan(HostFacts facts, PlanContext context);
}

/// <summary>What a resource may know besides facts: the root prefix, secrets (for hashes only) and what changed before it.</summary>
public sealed class PlanContext
{
    /// <summary>Prefix for every managed path ("" on real hosts; a temp folder in tests).</summary>
    public string Root { get; init; } = "";
    /// <summary>Resolves a vault variable for hashing a file's real content; null when the vault is not open.</summary>
    public Func<string, Secret?> ResolveSecret { get; init; } = _ => null;
    /// <summary>Masks every known secret in text that came from a host (current file content for diffs).</summary>
    public SecretMasker? Masker { get; init; }
    /// <summary>Ids of resources on this host that have changes in this plan so far (services restart on these).</summary>
    public ISet<string> Changed { get; } = new HashSet<string>(StringComparer.Ordinal);

    public string OnHost(string path) => Root + path;
}
