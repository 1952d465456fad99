using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Contracts;

/// <summary>
/// A check over the whole site, run before any host is touched. One rule per concern: generic rules live in
/// Validation/, a rule about one component in that component's folder, declared by its definition.
/// </summary>
public interface IValidationRule
{
    IEnumerable<Diagnostic> Check(Site site);
}
