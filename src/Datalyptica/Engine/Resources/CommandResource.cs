using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Facts;

namespace Datalyptica.Engine.Resources;

/// <summary>
/// A command with a guard, so it is idempotent: <see cref="Creates"/> (skip when the path exists), <see cref="Unless"/>
/// (skip when this read-only command succeeds; it runs during fact gathering) and/or <see cref="OnChangeOf"/> (run when
/// one of these resources changed). The guard is repeated in the command itself so a resumed apply is safe too.
/// </summary>
public sealed record CommandResource(string Name, string Command, string Component) : IResource
{
    public string? Creates { get; init; }
    public string? Unless { get; init; }
    public IReadOnlyList<string> OnChangeOf { get; init; } = [];
    /// <summary>What a failed <see cref="Unless"/> means, for the plan (a long guard reads badly as the reason).</summary>
    public string? UnlessFailed { get; init; }

    public string Id => $"command:{Name}";

    public void Require(FactQuery query)
    {
        if (Creates is null && Unless is null && OnChangeOf.Count == 0)
            throw new InvalidOperationException($"command {Name} has no guard (creates, unless or on-change-of); it would run on every apply");
        if (SecretPlaceholder.Find(Command).Any() || (Unless is not null && SecretPlaceholder.Find(Unless).Any()))
            throw new InvalidOperationException($"command {Name} names a secret; pass secrets in files (mode 0640), never on a command line");
        if (Creates is not null) query.File(Creates);
        if (Unless is not null) query.Guard(Name, Unless);
    }

    public ResourcePlan Plan(HostFacts facts, PlanContext context)
    {
        var triggered = OnChangeOf.Where(context.Changed.Contains).ToList();
        var createsExists = Creates is not null && (facts.File(Creates).Exists || facts.File(Creates).NotARegularFile);
        var unlessSucceeded = Unless is not null && facts.Guards.GetValueOrDefault(Name, -1) == 0;

        string? reason = null;
        if (triggered.Count > 0) reason = $"{string.Join(", ", triggered)} changed";
        else if (Creates is not null && !createsExists) reason = $"{Creates} does not exist";
        else if (Unless is not null && Creates is null && !unlessSucceeded) reason = UnlessFailed ?? $"guard `{Unless}` failed";

        if (reason is null)
            return ResourcePlan.Noop(createsExists ? $"{Creates} exists" : unlessSucceeded ? $"guard `{Unless}` succeeded" : $"none of {string.Join(", ", OnChangeOf)} changed");

        var run = $"( {Command} )";
        if (triggered.Count == 0 && Creates is not null) run = $"[ -e {RemoteCommand.Quote(context.OnHost(Creates))} ] || {run}";
        if (triggered.Count == 0 && Unless is not null) run = $"( {Unless} ) >/dev/null 2>&1 || {run}";
        return ResourcePlan.Of(new Change(ChangeAction.Create, reason) { Steps = [PlanStep.Run(run)] });
    }
}
