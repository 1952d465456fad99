using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Facts;

namespace Datalyptica.Engine.Resources;

/// <summary>
/// Kernel settings from our own sysctl.d file (written by a <see cref="FileResource"/>), compared with live values.
/// </summary>
/// <remarks>
/// Applies only our file with <c>sysctl -p FILE</c>: <c>sysctl --system</c> exits 1 on Debian's own kernel.* and fs.*
/// keys (found on the lab). A container refuses keys outside its own namespaces (vm.*, fs.*; on nspawn everything but net.*): those are reported as "not applicable here" (never as success or
/// failure), and the keys it does accept are set one by one with <c>sysctl -w</c> so one refusal cannot fail the rest.
/// </remarks>
public sealed record SysctlResource(string FilePath, IReadOnlyList<KeyValuePair<string, string>> Values, string Component) : IResource
{
    public string Id => $"sysctl:{FilePath}";

    /// <summary>Reads "key = value" lines of a sysctl.d file (comments and blanks skipped).</summary>
    public static SysctlResource FromFile(string path, string content, string component) =>
        new(path, content.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && l[0] is not ('#' or ';') && l.Contains('='))
            .Select(l => KeyValuePair.Create(l[..l.IndexOf('=')].Trim(), FactParser.NormalizeSysctl(l[(l.IndexOf('=') + 1)..])))
            .ToList(), component);

    public void Require(FactQuery query) { foreach (var (key, _) in Values) query.Sysctl(key); }

    public ResourcePlan Plan(HostFacts facts, PlanContext context)
    {
        var differing = Values.Where(kv => facts.SysctlValue(kv.Key) != kv.Value).ToList();
        if (differing.Count == 0) return ResourcePlan.Noop($"{Values.Count} kernel settings have their values");

        var changes = new List<Change>();
        var refused = facts.Container.IsContainer ? differing.Where(kv => IsRefusedInContainer(kv.Key, facts.Container.Kind)).ToList() : [];
        var unknown = differing.Where(kv => facts.SysctlValue(kv.Key) is null && !refused.Contains(kv)).ToList();
        var settable = differing.Except(refused).Except(unknown).ToList();

        if (refused.Count > 0)
            changes.Add(new Change(ChangeAction.NotApplicable,
                $"not applicable here: a {facts.Container.Kind} container refuses {string.Join(", ", refused.Select(kv => kv.Key))}"));
        if (unknown.Count > 0)
            changes.Add(new Change(ChangeAction.NotApplicable,
                $"not applicable here: this kernel has no {string.Join(", ", unknown.Select(kv => kv.Key))}"));
        if (settable.Count > 0)
        {
            var reason = string.Join(", ", settable.Select(kv => $"{kv.Key} {facts.SysctlValue(kv.Key)} -> {kv.Value}"));
            var command = refused.Count == 0 && unknown.Count == 0
                ? $"sysctl -q -p {RemoteCommand.Quote(FilePath)}"
                : "sysctl -q -w " + string.Join(' ', settable.Select(kv => RemoteCommand.Quote($"{kv.Key}={kv.Value}")));
            changes.Add(new Change(ChangeAction.Update, reason) { Steps = [PlanStep.Run(command)] });
        }
        return ResourcePlan.Of([.. changes]);
    }

    /// <summary>
    /// Keys a container will not let it write. Only the network namespace is the container's own: systemd-nspawn mounts
    /// /proc/sys read-only except net/ (measured on the lab: fs.file-max is "permission denied", not only vm.*); other
    /// runtimes with a private IPC namespace also accept kernel.shm*.
    /// </summary>
    public static bool IsRefusedInContainer(string key, string kind = "") =>
        !key.StartsWith("net.", StringComparison.Ordinal) &&
        (kind == "systemd-nspawn" || !key.StartsWith("kernel.shm", StringComparison.Ordinal));
}
