using Datalyptica.Contracts;
using Datalyptica.Model;

namespace Datalyptica.Components;

/// <summary>
/// What one role may use of its host when several roles share it (development and staging co-locate many):
/// the host's RAM minus the OS reserve, and its vCPUs, split between the host's roles in proportion to the
/// needs each role declares. Every role's share is therefore ≤ its fair part, and the shares of all roles on a
/// host add up to at most the host's RAM minus the OS reserve, whatever the other renderers do with theirs.
/// </summary>
public static class RoleBudget
{
    /// <summary>MB of RAM <paramref name="role"/> may use on <paramref name="host"/> (JVM heap + off-heap + native).</summary>
    public static int RamMb(Host host, RoleDefinition role)
    {
        if (!host.Has(role)) throw new InvalidOperationException($"{host.Name} does not run {role.Group}");
        var roles = host.Roles.Distinct().ToList();
        var total = roles.Sum(r => r.Needs.RamGb);
        var available = Math.Max(0, host.RamGb - OsBase.Reserve.RamGb) * 1024.0;
        return total <= 0 ? (int)available : (int)(available * role.Needs.RamGb / total);
    }

    /// <summary>Whole vCPUs for <paramref name="role"/> on <paramref name="host"/>, at least 1 (CPU can be shared; memory cannot).</summary>
    public static int VCpu(Host host, RoleDefinition role)
    {
        if (!host.Has(role)) throw new InvalidOperationException($"{host.Name} does not run {role.Group}");
        var total = host.Roles.Distinct().Sum(r => r.Needs.VCpu);
        return total <= 0 ? host.VCpu : Math.Max(1, (int)Math.Floor(host.VCpu * role.Needs.VCpu / total + 1e-9));
    }
}
