using System.Text.Json.Serialization;
using Datalyptica.Model;

namespace Datalyptica.Engine.Planning;

/// <summary>The seed's playbook order (00..08): apply runs layers in this order, hosts in parallel inside one.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Layer>))]
public enum Layer
{
    Prerequisites,
    Coordination,
    Catalog,
    Streaming,
    Processing,
    Query,
    Analytics,
    Monitoring,
    Iam,
    LoadBalancer,
}

public static class Layers
{
    public static readonly IReadOnlyList<Layer> InOrder = Enum.GetValues<Layer>();

    /// <summary>
    /// The one place a component's tier becomes its layer. The load balancer comes LAST although its tier is listed
    /// first: HAProxy health-checks the backends, which must exist before it is (re)started (the seed's 08 playbook).
    /// </summary>
    public static Layer Of(Tier tier) => tier switch
    {
        Tier.Coordination => Layer.Coordination,
        Tier.Catalog => Layer.Catalog,
        Tier.Streaming => Layer.Streaming,
        Tier.Processing => Layer.Processing,
        Tier.Query => Layer.Query,
        Tier.Analytics => Layer.Analytics,
        Tier.Monitoring => Layer.Monitoring,
        Tier.Iam => Layer.Iam,
        Tier.LoadBalancer => Layer.LoadBalancer,
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };

    public static string Name(this Layer layer) => layer switch
    {
        Layer.LoadBalancer => "loadbalancer",
        _ => layer.ToString().ToLowerInvariant(),
    };

    public static Layer Parse(string name) =>
        InOrder.Cast<Layer?>().FirstOrDefault(l => l!.Value.Name() == name.Trim().ToLowerInvariant().Replace("-", "").Replace("_", ""))
        ?? throw new ArgumentException($"unknown layer '{name}'. Fix: use one of {string.Join(", ", InOrder.Select(l => l.Name()))}.");
}
