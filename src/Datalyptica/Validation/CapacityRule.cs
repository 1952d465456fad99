using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Each host has the vCPU, RAM and data disk that the roles placed on it need (plus the OS reserve).</summary>
public sealed class CapacityRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        // Lab hosts share one machine and declare what each may use, not what production needs: said once, not enforced.
        if (site.IsLab)
        {
            yield return new Diagnostic(FindingCodes.LabSizesNotChecked,
                "lab site: hosts share one machine, so role sizes (RAM, vCPU, disk) are not checked.",
                "use a development, staging or production profile for real hosts.", null, SiteKeys.Environment);
            yield break;
        }
        foreach (var host in site.Hosts)
        {
            var needs = host.Needs;
            var roles = string.Join(", ", host.RoleGroups);
            SourceRef? At(string key) => host.Vars.GetValueOrDefault(key)?.Source ?? host.Source;
            if (host.VCpu <= 0 || host.RamGb <= 0)
            {
                yield return new Diagnostic(FindingCodes.HostSizeMissing, $"host {host.Name} has no size ({host.VCpu} vCPU, {host.RamGb} GB RAM).",
                    $"set {SiteKeys.VCpu} and {SiteKeys.RamGb} for {host.Name}.", At(SiteKeys.VCpu), SiteKeys.VCpu);
                continue;
            }
            if (needs.RamGb > host.RamGb)
                yield return new Diagnostic(FindingCodes.HostRamTooLow,
                    $"host {host.Name} has {host.RamGb} GB RAM but its roles ({roles}) need at least {needs.RamGb:0.#} GB.",
                    $"raise {SiteKeys.RamGb} for {host.Name} or move roles to other hosts.", At(SiteKeys.RamGb), SiteKeys.RamGb);
            if (needs.VCpu > host.VCpu)
                yield return new Diagnostic(FindingCodes.HostVCpuTooLow,
                    $"host {host.Name} has {host.VCpu} vCPU but its roles ({roles}) want {needs.VCpu:0.#}; they will contend for CPU.",
                    $"raise {SiteKeys.VCpu} for {host.Name} or move roles to other hosts.", At(SiteKeys.VCpu), SiteKeys.VCpu);
            if (needs.DataDiskGb > host.DiskGb)
                yield return new Diagnostic(FindingCodes.HostDiskTooSmall,
                    $"host {host.Name} has {host.DiskGb} GB of disk but its roles ({roles}) need at least {needs.DataDiskGb} GB.",
                    $"add or grow a disk in {SiteKeys.Disks} for {host.Name}.", At(SiteKeys.Disks), SiteKeys.Disks);
        }
    }
}
