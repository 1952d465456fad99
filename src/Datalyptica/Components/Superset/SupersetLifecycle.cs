using Datalyptica.Contracts;

namespace Datalyptica.Components.Superset;

/// <summary>Superset runs as its own system user; we render its units. They restart on any change of its files.</summary>
public static class SupersetLifecycle
{
    public static readonly ComponentLifecycle Declaration = new()
    {
        Account = ServiceAccount.Own("superset", "Datalyptica Superset"),
        Units =
        [
            new("superset", UnitSource.Rendered, OnConfigChange.Restart),
        ],
    };
}
