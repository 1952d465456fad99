using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Components.Superset;

/// <summary>Says plainly that Superset is routed by host name, not under the seed's /superset path.</summary>
public sealed class SupersetRoutingNoticeRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        if (site.HostsWith(SupersetComponent.Server).Any())
            yield return new Diagnostic(FindingCodes.SupersetRoutedByHostName,
                $"Superset 4.1 cannot be served under /superset (sub-paths arrive in 5.0); it is routed by host name superset.{site.Domain} instead of the reference design's path.",
                $"create a DNS record superset.{site.Domain} pointing at the load-balancer VIPs.", site.GroupSource("superset"), "superset");
    }
}
