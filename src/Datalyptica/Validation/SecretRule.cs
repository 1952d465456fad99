using Datalyptica.Components;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>Every secret the deployed components need is defined, and defined vault-encrypted.</summary>
public sealed class SecretRule : IValidationRule
{
    public static IEnumerable<string> RequiredSecrets(Site site) =>
        site.Components.SelectMany(c => c.SecretKeysOn(site))
            .Concat(site.ObjectStore is { } s ? [s.AccessKey.VarName, s.SecretKey.VarName] : [])
            .Distinct().Order(StringComparer.Ordinal);

    public IEnumerable<Diagnostic> Check(Site site)
    {
        foreach (var name in RequiredSecrets(site))
        {
            if (!site.Secrets.TryGetValue(name, out var secret))
                yield return new Diagnostic(FindingCodes.SecretMissing, $"secret '{name}' is not defined.",
                    $"add it to group_vars/all.yml as an inline vault value: `datalyptica secrets encrypt --name {name} < value-file` prints the YAML to paste (a group_vars/all/ folder would hide group_vars/all.yml, as in Ansible).",
                    site.Source, name);
            else if (!secret.Encrypted)
                yield return new Diagnostic(FindingCodes.SecretInPlainText, $"secret '{name}' is stored in plain text.",
                    $"encrypt the file that holds it (`datalyptica secrets encrypt FILE`) or make it an inline !vault value (`datalyptica secrets encrypt --name {name}`).",
                    secret.Source, name);
        }
    }
}
