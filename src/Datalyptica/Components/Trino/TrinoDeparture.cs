using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components.Trino;

/// <summary>
/// A worker leaves through Trino's graceful shutdown (Trino docs, "Graceful shutdown"): PUT "SHUTTING_DOWN" to its
/// /v1/info/state; it stops taking tasks, finishes the running ones, waits shutdown.grace-period (2m, TrinoRenderer)
/// twice and exits. The drain waits for the process to end, as long as the unit's TimeoutStopSec allows (330 s).
/// Not run in this project's labs (Trino is an artifact component: stand-ins only, docs/STAND-INS.md).
/// </summary>
public static class TrinoDeparture
{
    public const int ShutdownSeconds = 330;

    public static readonly MemberDeparture Worker = new()
    {
        Drain = [new("Trino graceful shutdown: running tasks finish, then the worker exits", DepartureTarget.DepartingHost, Shutdown) { TimeoutSeconds = ShutdownSeconds + 30 }],
    };

    private static string Shutdown(Site site, Host departing, Host _)
    {
        var pid = $"systemctl show -p MainPID --value {TrinoRenderer.UnitName}";
        return $"pid=$({pid}) && [ \"$pid\" != 0 ] || exit 0; " +
               $"curl -sf -X PUT -H 'Content-Type: application/json' -H 'X-Trino-User: datalyptica' -d '\"SHUTTING_DOWN\"' " +
               $"http://{departing.Address}:{departing.Port(TrinoComponent.Http)}/v1/info/state >/dev/null && " +
               $"for i in $(seq {ShutdownSeconds}); do kill -0 \"$pid\" 2>/dev/null || exit 0; sleep 1; done; exit 1";
    }
}
