using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Engine.Apply;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>
/// A jump host in ansible_ssh_common_args/ansible_ssh_extra_args must be one datalyptica can follow, checked before any
/// host is contacted (apply would otherwise fail at its first connection).
/// </summary>
public sealed class SshArgsRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var host in site.Hosts)
        {
            // The same reading apply's connections use, so validate refuses exactly what connecting would.
            string? problem = null;
            try { HostConnections.For(host); }
            catch (FormatException e) when (e is not ConnectionVarException) { problem = e.Message; } // ConnectionVarsRule names those
            if (problem is null || !reported.Add(problem)) continue;
            var key = host.Vars.ContainsKey("ansible_ssh_extra_args") && !host.Vars.ContainsKey("ansible_ssh_common_args") ? "ansible_ssh_extra_args" : "ansible_ssh_common_args";
            yield return new Diagnostic(FindingCodes.SshArgsUnusable, $"{host.Name}: {problem}",
                "reach the hosts with one ProxyJump hop: ansible_ssh_common_args: \"-o ProxyJump=user@bastion:22\".",
                host.Vars.GetValueOrDefault(key)?.Source, key);
        }
    }
}
