using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Spark;

/// <summary>
/// A standalone worker leaves once the executors it runs have finished. Spark's own decommissioning
/// (sbin/decommission-worker.sh, SIGPWR) needs spark.decommission.enabled, which the rendered workers do not set, and
/// without it SIGPWR's default action kills the worker with its executors; so the drain waits for the worker to be idle
/// (no CoarseGrainedExecutorBackend under it), bounded, and stops the removal when it is not.
/// Not run in this project's labs (Spark is an artifact component: stand-ins only, docs/STAND-INS.md).
/// </summary>
public static class SparkDeparture
{
    public const int IdleWithinSeconds = 600;

    public static readonly MemberDeparture Worker = new()
    {
        Drain = [new("Spark worker idle: its running executors finish", DepartureTarget.DepartingHost, WaitIdle) { TimeoutSeconds = IdleWithinSeconds + 30 }],
    };

    private static string WaitIdle(Site site, Host departing, Host _) =>
        $"for i in $(seq {IdleWithinSeconds}); do pgrep -f org.apache.spark.executor.CoarseGrainedExecutorBackend >/dev/null || exit 0; sleep 1; done; exit 1";
}
