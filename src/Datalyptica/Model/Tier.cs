namespace Datalyptica.Model;

/// <summary>The nine tiers of the seed, in the order their layers are installed.</summary>
public enum Tier
{
    LoadBalancer,
    Catalog,
    Coordination,
    Streaming,
    Processing,
    Query,
    Analytics,
    Monitoring,
    Iam,
}

public static class Tiers
{
    public static readonly IReadOnlyList<Tier> All = Enum.GetValues<Tier>();

    /// <summary>The Ansible group name of a tier (hosts.yml lists hosts under it).</summary>
    public static string GroupName(this Tier tier) => tier switch
    {
        Tier.LoadBalancer => "loadbalancer",
        Tier.Catalog => "catalog",
        Tier.Coordination => "coordination",
        Tier.Streaming => "streaming",
        Tier.Processing => "processing",
        Tier.Query => "query",
        Tier.Analytics => "analytics",
        Tier.Monitoring => "monitoring",
        Tier.Iam => "iam",
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };

    public static string DisplayName(this Tier tier) => tier switch
    {
        Tier.LoadBalancer => "Load Balancer",
        Tier.Iam => "IAM",
        _ => tier.ToString(),
    };

    public static Tier? FromGroupName(string group) =>
        All.Cast<Tier?>().FirstOrDefault(t => t!.Value.GroupName() == group);
}
