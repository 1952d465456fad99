using Datalyptica.Contracts.Drilling;
using Datalyptica.Drills;

namespace Datalyptica.Contracts;

/// <summary>
/// A failover drill a component declares (<c>ComponentDefinition.Drills</c>): its name on the command line
/// (`datalyptica drill SITE NAME`), its place in `drill SITE all`, the limit its main measurement must stay within, the
/// site settings that bound that time, and its steps (check whole, inject one fault, measure, recover). The harness
/// (<see cref="DrillRunner"/>) runs it with a <see cref="DrillContext"/> and records into a <see cref="DrillRecorder"/>.
/// </summary>
public interface IDrill
{
    string Name { get; }
    /// <summary>Position in `drill SITE all` (ascending): the order the drills have always run in.</summary>
    int Order { get; }
    TimeSpan Limit { get; }
    /// <summary>The inventory variables whose values bound the measured time (shown in docs; the drill records their live values).</summary>
    IReadOnlyList<string> BoundBy { get; }
    /// <summary>Runs a write load and reports its write account: <see cref="DrillVerdict"/> then requires acknowledged writes and none lost.</summary>
    bool Writes { get; }
    Task RunAsync(DrillContext context, DrillRecorder recorder, CancellationToken cancellation);
}
