using Datalyptica.Contracts.Hosts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Facts;

namespace Datalyptica.Engine.Resources;

/// <summary>
/// A folder that must exist. Owner, group and mode are managed only when given: the parents of rendered files are
/// often owned by a package (/etc/postgresql belongs to postgres) and must be left as the package made them.
/// </summary>
public sealed record DirectoryResource(string Path, string Component) : IResource
{
    public string? Owner { get; init; }
    public string? Group { get; init; }
    public UnixFileMode? Mode { get; init; }

    public string Id => $"dir:{Path}";

    public void Require(FactQuery query) => query.Directory(Path);

    public ResourcePlan Plan(HostFacts facts, PlanContext context)
    {
        var fact = facts.Directory(Path);
        var target = RemoteCommand.Quote(context.OnHost(Path));
        var fix = Fixes(target);
        if (!fact.Exists)
            return ResourcePlan.Of(new Change(ChangeAction.Create, "absent")
                { Steps = [PlanStep.Run(string.Join(" && ", new[] { $"mkdir -p {target}" }.Concat(fix)))] });

        var drift = new List<string>();
        if (Mode is { } mode && fact.Mode != Modes.Octal(mode)) drift.Add($"mode {fact.Mode} -> {Modes.Octal(mode)}");
        if ((Owner is not null && fact.Owner != Owner) || (Group is not null && fact.Group != Group))
            drift.Add($"owner {fact.Owner}:{fact.Group} -> {Owner ?? fact.Owner}:{Group ?? fact.Group}");
        if (drift.Count > 0)
            return ResourcePlan.Of(new Change(ChangeAction.Update, string.Join(", ", drift)) { Steps = [PlanStep.Run(string.Join(" && ", fix))] });
        return ResourcePlan.Noop(Owner is null && Mode is null ? "exists" : "exists with the wanted mode and owner");
    }

    private IEnumerable<string> Fixes(string target)
    {
        if (Owner is not null || Group is not null)
            yield return $"chown {RemoteCommand.Quote($"{Owner ?? ""}{(Group is null ? "" : ":" + Group)}")} {target}";
        if (Mode is { } mode) yield return $"chmod {Modes.Octal(mode)} {target}";
    }
}
