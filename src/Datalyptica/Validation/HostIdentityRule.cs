using System.Text.RegularExpressions;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Host names are valid and unique (ignoring case, as DNS does); addresses are unique; every host has a job.</summary>
public sealed partial class HostIdentityRule : IValidationRule
{
    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex HostLabel();

    public IEnumerable<Diagnostic> Check(Site site)
    {
        var names = new Dictionary<string, Host>(StringComparer.OrdinalIgnoreCase);
        var addresses = new Dictionary<System.Net.IPAddress, Host>();
        foreach (var host in site.Hosts)
        {
            if (!HostLabel().IsMatch(host.Name))
                yield return new Diagnostic(FindingCodes.HostNameInvalid, $"host name '{host.Name}' is not a valid DNS label.",
                    "use letters, digits and hyphens (at most 63), not starting or ending with a hyphen.", host.Source);
            if (names.TryGetValue(host.Name, out var twin))
                yield return new Diagnostic(FindingCodes.HostNamesEqualIgnoringCase, $"hosts '{twin.Name}' and '{host.Name}' differ only in case; DNS treats them as one.",
                    "rename one of them.", host.Source);
            else names[host.Name] = host;
            if (addresses.TryGetValue(host.Address, out var same))
                yield return new Diagnostic(FindingCodes.HostAddressShared, $"hosts '{same.Name}' and '{host.Name}' share the address {host.Address}.",
                    $"give each host its own {SiteKeys.Address}.", host.Vars.GetValueOrDefault(SiteKeys.Address)?.Source ?? host.Source, SiteKeys.Address);
            else addresses[host.Address] = host;
            if (host.RoleGroups.Count == 0)
                yield return new Diagnostic(FindingCodes.HostWithoutRole, $"host '{host.Name}' is in no component group; nothing will be installed on it beyond the OS base.",
                    "add it to a component group (e.g. spark_worker) or remove it.", host.Source);
        }
    }
}
