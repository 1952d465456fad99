using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Engine.Apply;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>
/// Connection variables datalyptica cannot honour (a become method other than sudo, a sudo or SSH password, another
/// connection plugin, ansible_become that is not a boolean) are refused before any host is contacted, each named once
/// with the file and line it was set in, instead of being ignored.
/// </summary>
public sealed class ConnectionVarsRule : IValidationRule
{
    public IEnumerable<Diagnostic> Check(Site site)
    {
        var reported = new HashSet<(string Key, SourceRef?)>();
        foreach (var host in site.Hosts)
            foreach (var problem in ConnectionVars.Check(host))
            {
                var source = host.Vars.GetValueOrDefault(problem.Key)?.Source;
                // A group variable is one finding, not one per host of the group.
                if (!reported.Add((problem.Key, source))) continue;
                yield return new Diagnostic(FindingCodes.ConnectionVarUnsupported, problem.Message, problem.Fix, source, problem.Key);
            }
    }
}
