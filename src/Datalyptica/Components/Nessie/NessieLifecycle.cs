using Datalyptica.Contracts;

namespace Datalyptica.Components.Nessie;

/// <summary>Nessie runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class NessieLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("nessie", "Datalyptica Nessie"),
        Units =
        [
            new("nessie", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}
