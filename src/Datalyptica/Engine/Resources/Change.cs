using System.Text.Json.Serialization;
using Datalyptica.Engine.Planning;

namespace Datalyptica.Engine.Resources;

/// <summary>What a change does, shown as Terraform-style glyphs: + create, ~ update, - delete, ! restart, = not applicable here.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ChangeAction>))]
public enum ChangeAction
{
    Create,
    Update,
    Delete,
    Restart,
    /// <summary>The resource cannot apply on this host (a container refuses vm.* sysctls); apply skips it, never fails on it.</summary>
    NotApplicable,
    /// <summary>The resource cannot be planned (an artifact with no configured source); apply refuses to run its layer.</summary>
    Unavailable,
}

public static class ChangeActions
{
    public static string Glyph(this ChangeAction action) => action switch
    {
        ChangeAction.Create => "+",
        ChangeAction.Update => "~",
        ChangeAction.Delete => "-",
        ChangeAction.Restart => "!",
        ChangeAction.NotApplicable => "=",
        ChangeAction.Unavailable => "?",
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };
}

[JsonConverter(typeof(JsonStringEnumConverter<StepKind>))]
public enum StepKind
{
    /// <summary>Run a shell command on the host.</summary>
    Run,
    /// <summary>
    /// Write a file (secret placeholders resolved at apply time) at <see cref="PlanStep.Target"/> with
    /// <see cref="PlanStep.Owner"/>, <see cref="PlanStep.Group"/> and <see cref="PlanStep.Mode"/>, through
    /// <see cref="SafeFileWrite"/> (content on stdin; owner and mode set before the content; links never followed).
    /// </summary>
    Upload,
    /// <summary>Upload an artifact the control node downloaded and verified (SHA-512) before touching any host.</summary>
    UploadArtifact,
    /// <summary>
    /// Run a read-only probe command on the host every second until a component's judge (<see cref="PlanStep.Judge"/>)
    /// accepts its output, at most <see cref="PlanStep.TimeoutSeconds"/>; then the step fails with <see cref="PlanStep.Failure"/>.
    /// </summary>
    Await,
}

/// <summary>
/// One thing apply does on a host. Plain data so a plan can be saved and applied later (Terraform's contract).
/// No step ever holds a secret value: uploads keep <c>@@secret:vault_x@@</c> placeholders, resolved only when sent.
/// </summary>
public sealed record PlanStep(StepKind Kind, string Target)
{
    /// <summary>Run: the shell command. Upload: the unresolved content.</summary>
    public string? Text { get; init; }
    /// <summary>UploadArtifact: the pinned SHA-512 and where to download it from.</summary>
    public string? Sha512 { get; init; }
    public string? Url { get; init; }
    /// <summary>Await: the id of the judge of the probe's output (<see cref="Contracts.OutputJudge"/>), its time limit and what failing means.</summary>
    public string? Judge { get; init; }
    public int? TimeoutSeconds { get; init; }
    public string? Failure { get; init; }
    /// <summary>Upload: the file's owner, group and octal mode, set before any content is written.</summary>
    public string? Owner { get; init; }
    public string? Group { get; init; }
    public string? Mode { get; init; }

    public static PlanStep Run(string command) => new(StepKind.Run, "") { Text = command };
    public static PlanStep Upload(string remotePath, string unresolvedContent, string owner, string group, string mode) =>
        new(StepKind.Upload, remotePath) { Text = unresolvedContent, Owner = owner, Group = group, Mode = mode };
    public static PlanStep UploadArtifact(string remotePath, string url, string sha512) => new(StepKind.UploadArtifact, remotePath) { Url = url, Sha512 = sha512 };
    public static PlanStep Await(string probeCommand, string judge, int timeoutSeconds, string failure) =>
        new(StepKind.Await, "") { Text = probeCommand, Judge = judge, TimeoutSeconds = timeoutSeconds, Failure = failure };

    /// <summary>What people see in reports and journals.</summary>
    [JsonIgnore]
    public string Display => Kind switch
    {
        StepKind.Run => Text!,
        StepKind.Upload => $"write {Target} as {Owner}:{Group} {Mode}",
        StepKind.Await => $"until {Judge} accepts the output of: {Text} (at most {TimeoutSeconds} s)",
        _ => $"upload artifact {Url} -> {Target}",
    };
}

/// <summary>
/// One change on one host (Terraform's resource change). <see cref="Reason"/> only explains; apply runs
/// <see cref="Steps"/> and nothing else. <see cref="Diff"/> is a unified diff with secret placeholders, never values.
/// </summary>
public sealed record Change(ChangeAction Action, string Reason)
{
    public string Host { get; init; } = "";
    public Layer Layer { get; init; }
    public string ResourceId { get; init; } = "";
    public string? Diff { get; init; }
    /// <summary>The resource carries secrets (a file with vault placeholders): never show its resolved content.</summary>
    public bool Sensitive { get; init; }
    public IReadOnlyList<PlanStep> Steps { get; init; } = [];
    /// <summary>
    /// A rolling restart's group (e.g. "etcd"): apply runs this change on one host of the group at a time, and its last
    /// step waits until the member answers healthy again, so a quorum never loses more than one member to the apply.
    /// </summary>
    public string? RollingGroup { get; init; }
    /// <summary>
    /// With <see cref="RollingGroup"/>: a read-only command apply runs on the host just before its turn; exit 0 means the
    /// host leads the group, and it restarts after every other member of the group in this layer (replicas first).
    /// </summary>
    public string? RollingLeaderCheck { get; init; }
    /// <summary>
    /// A once-per-cluster first-start step (a schema migration on one member): when this change succeeds it opens the
    /// barrier, and the changes on other hosts that await it (their services) may start.
    /// </summary>
    public string? OpensBarrier { get; init; }
    /// <summary>
    /// Barriers this change waits for before it starts (a service on a member that is not the one running its
    /// component's once-per-cluster step). A barrier no change in this apply opens does not hold it up: that step had
    /// nothing to do. One whose step is in the plan but outside this apply (--limit, --layer) or failed refuses it.
    /// </summary>
    public IReadOnlyList<string>? AwaitsBarriers { get; init; }
}

/// <summary>A resource's answer: the changes that close the gap, or none with the reason (pyinfra's noop).</summary>
public sealed class ResourcePlan
{
    public IReadOnlyList<Change> Changes { get; }
    public string? NoopReason { get; }

    private ResourcePlan(IReadOnlyList<Change> changes, string? noopReason) { Changes = changes; NoopReason = noopReason; }

    public static ResourcePlan Noop(string reason) => new([], reason);
    public static ResourcePlan Of(params Change[] changes) => changes.Length == 0
        ? throw new ArgumentException("use Noop(reason) when nothing is needed")
        : new(changes, null);

    public bool IsNoop => Changes.Count == 0;
}
