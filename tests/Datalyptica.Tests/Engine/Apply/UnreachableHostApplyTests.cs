using Datalyptica.Contracts;
using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Engine.Transport;

namespace Datalyptica.Tests.Engine.Apply;

/// <summary>
/// A host that cannot be reached, or whose connection fails mid-step, fails the apply like a failed step (Terraform:
/// an error while applying fails the apply): journalled, the other hosts finish the layer, no later layer starts, and
/// the result is Failed (the CLI's exit 4), not an exception (which the CLI would turn into exit 1 with no run-failed
/// entry in the journal). No command runs anywhere: the transports only record.
/// </summary>
public sealed class UnreachableHostApplyTests : IDisposable
{
    private readonly TempRoot _site = new();

    public void Dispose() => _site.Dispose();

    private ApplyOptions Options => new()
    {
        JournalDirectory = _site["/.datalyptica/journal"],
        Artifacts = new ArtifactStore(_site["/.datalyptica/artifacts"]),
    };

    private static Plan PlanOf(params (string Host, Layer Layer)[] changes) =>
        new("test", changes.GroupBy(c => c.Host).Select(g => new HostPlan(g.Key,
            g.Select(c => new Change(ChangeAction.Create, "create") with { Host = c.Host, Layer = c.Layer, ResourceId = $"file:/{c.Layer.Name()}", Steps = [PlanStep.Run("true")] }).ToList())).ToList());

    [Fact]
    public async Task An_unreachable_host_fails_its_layer_the_others_finish_it_and_no_later_layer_starts()
    {
        var plan = PlanOf(("h1", Layer.Prerequisites), ("h2", Layer.Prerequisites), ("h1", Layer.Coordination), ("h2", Layer.Coordination));
        var reached = new RecordingTransport("h2");

        var result = await PlanApplier.ApplyAsync(plan, host => host == "h1"
            ? throw new HostUnreachableException("h1", "Could not connect to host 'h1' at 127.0.0.1:1 after 3 attempt(s): ConnectionRefused", 3)
            : reached, Options, CancellationToken.None);

        result.Status.ShouldBe(ApplyStatus.Failed);
        result.StoppedAt.ShouldBe(Layer.Prerequisites);
        var failure = result.Failures.ShouldHaveSingleItem();
        failure.Host.ShouldBe("h1");
        failure.ResourceId.ShouldBe(StepFailure.Connect);
        failure.ToString().ShouldBe("h1: could not connect in layer prerequisites, nothing ran there: Could not connect to host 'h1' at 127.0.0.1:1 after 3 attempt(s): ConnectionRefused");
        result.Applied.ShouldBe(1, "h2 finishes the layer it started");
        reached.Commands.ShouldContain("true");
        var journal = File.ReadAllText(result.JournalPath);
        journal.ShouldContain("\"event\":\"change-failed\",\"host\":\"h1\",\"layer\":\"prerequisites\",\"resource\":\"connect\"");
        journal.ShouldContain("\"event\":\"run-failed\"");
        journal.ShouldNotContain("coordination", Case.Sensitive, "no later layer may start");
    }

    [Fact]
    public async Task A_connection_lost_mid_step_is_that_steps_failure()
    {
        var plan = PlanOf(("h1", Layer.Prerequisites), ("h1", Layer.Coordination));

        var result = await PlanApplier.ApplyAsync(plan, _ => new RecordingTransport("h1")
        {
            Fault = new CommandTimeoutException("h1", "h1: `true` did not finish within 1 s; killed", TimeSpan.FromSeconds(1)),
        }, Options, CancellationToken.None);

        result.Status.ShouldBe(ApplyStatus.Failed);
        var failure = result.Failures.ShouldHaveSingleItem();
        failure.Command.ShouldBe("true");
        failure.ExitCode.ShouldBe(-1);
        failure.Stderr.ShouldContain("did not finish within 1 s");
    }

    /// <summary>Records commands and answers exit 0, or throws <see cref="Fault"/>; runs nothing.</summary>
    private sealed class RecordingTransport(string host) : IHostTransport
    {
        public string HostName => host;
        public List<string> Commands { get; } = [];
        public Exception? Fault { get; init; }

        public Task<CommandResult> RunAsync(RemoteCommand command, CancellationToken cancellation, string? stdin = null)
        {
            if (Fault is not null) throw Fault;
            lock (Commands) Commands.Add(command.Display);
            return Task.FromResult(new CommandResult(0, "", ""));
        }

        public Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, CancellationToken cancellation) =>
            Fault is not null ? throw Fault : Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
