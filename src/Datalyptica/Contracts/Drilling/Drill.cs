
namespace Datalyptica.Contracts.Drilling;

/// <summary>A drill declared as data plus its steps: what component folders use to declare theirs.</summary>
public sealed record Drill(string Name, int Order, TimeSpan Limit, IReadOnlyList<string> BoundBy,
    Func<DrillContext, DrillRecorder, CancellationToken, Task> Steps) : IDrill
{
    /// <summary>The drill runs a write load and must report its write account (<see cref="DrillRecorder.Writes"/>).</summary>
    public bool Writes { get; init; }

    public Task RunAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation) => Steps(context, recorder, cancellation);
}
