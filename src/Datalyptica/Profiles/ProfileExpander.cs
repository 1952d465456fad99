using System.Net;
using Datalyptica.Components;
using Datalyptica.Components.Kafka;
using Datalyptica.Components.Patroni;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Model;

namespace Datalyptica.Profiles;

/// <summary>Turns a profile into a concrete site: host names, addresses, racks, VIPs, endpoints and settings.</summary>
public static class ProfileExpander
{
    /// <summary>Third octet of each tier's /24, after the seed's subnet plan (10.X.tier.0/24).</summary>
    /// <summary>The bucket a profile's site names for a purpose: datalyptica-backups, and datalyptica-dr-backups on a standby.</summary>
    public static string Bucket(SiteRole role, string purpose) => $"{(role == SiteRole.Standby ? "datalyptica-dr" : "datalyptica")}-{purpose}";

    public static int TierOctet(Tier tier) => tier switch
    {
        Tier.LoadBalancer => 1,
        Tier.Catalog => 10,
        Tier.Coordination => 15,
        Tier.Streaming => 20,
        Tier.Processing => 30,
        Tier.Query => 40,
        Tier.Analytics => 50,
        Tier.Monitoring => 60,
        Tier.Iam => 70,
        _ => throw new ArgumentOutOfRangeException(nameof(tier)),
    };

    public const int FirstHostOctet = 11;
    public const int RackCount = 3;

    /// <summary>
    /// Expands a profile. <paramref name="hostCount"/> grows the scalable (worker-like) pools in turn
    /// until the site has that many hosts; <paramref name="kafkaClusterId"/> is generated once by
    /// <c>init</c> and then kept in the site for good.
    /// </summary>
    public static Site Expand(Profile profile, string? siteName = null, int? hostCount = null, string? kafkaClusterId = null)
    {
        var pools = Scale(profile, hostCount);
        var hosts = new List<Host>();
        var nextOctet = new Dictionary<Tier, int>();
        var groupVars = profile.GroupVars.ToDictionary(
            g => g.Key,
            g => (IReadOnlyDictionary<string, Setting>)g.Value.ToDictionary(v => v.Key, v => new Setting(v.Value, null)));

        foreach (var pool in pools)
        {
            for (var i = 0; i < pool.Count; i++)
            {
                var name = $"{pool.Prefix}{i + 1:D2}";
                var groups = pool.Groups.Concat(pool.FirstOnly.Where(f => i < f.Value).Select(f => f.Key)).ToArray();
                var hostVars = new Dictionary<string, Setting>();
                foreach (var tierOrRole in groups.Prepend(pool.Tier.GroupName()))
                    if (groupVars.TryGetValue(tierOrRole, out var vars))
                        foreach (var (k, v) in vars) hostVars[k] = v;
                hosts.Add(new Host(name, NextAddress(profile, pool.Tier, nextOctet), pool.Tier, pool.VCpu, pool.RamGb,
                    [new Disk("/data", pool.DiskGb, pool.DiskKind)], groups)
                {
                    Rack = $"rack{i % RackCount + 1}",
                    Vars = hostVars,
                });
            }
        }

        var name_ = siteName ?? profile.Name;
        // VIPs live in the subnet of the hosts that hold them (VRRP moves an address within one segment).
        var holderTier = hosts.FirstOrDefault(h => h.RoleGroups.Contains("keepalived"))?.Tier ?? Tier.LoadBalancer;
        var lbNet = $"10.{profile.AddressBase}.{TierOctet(holderTier)}";
        // Two VIPs with opposite priorities make the load balancers active-active (DNS round-robin over both).
        Vip[] vips = hosts.Any(h => h.RoleGroups.Contains("keepalived"))
            ? [new("frontend-a", IPAddress.Parse($"{lbNet}.100"), 24, 51, "keepalived"),
               new("frontend-b", IPAddress.Parse($"{lbNet}.101"), 24, 52, "keepalived")]
            : [];

        var objectStore = new ObjectStore(
            "https://s3.example.com", "us-east-1",
            ObjectStore.AllBucketPurposes.ToDictionary(p => p, p => Bucket(profile.Role, p)),
            new SecretRef("vault_s3_access_key"), new SecretRef("vault_s3_secret_key"));

        var siteVars = new Dictionary<string, Setting>
        {
            [KafkaSettings.ReplicationFactor.Key] = new((int)KafkaSettings.ReplicationFactor.Default!, null),
            [KafkaSettings.MinInsyncReplicas.Key] = new((int)KafkaSettings.MinInsyncReplicas.Default!, null),
            [KafkaSettings.ClusterId.Key] = new(kafkaClusterId ?? NewKafkaClusterId(), null),
            [PatroniSettings.SynchronousMode.Key] = new(true, null),
            [PatroniSettings.SynchronousNodeCount.Key] = new(1, null),
        };
        // The seed pins PostgreSQL 16, which Debian 12 does not ship (it ships 15): the site says where postgresql-16
        // comes from (apt.postgresql.org, PGDG), or validate refuses it (DL130). The operator's package source must carry it.
        if (PostgresLayout.MajorOf(ComponentCatalog.DefaultVersions[PostgreSQLComponent.Member.Component.Id]) != PostgreSQLComponent.DebianMajor)
            siteVars[PostgreSQLSettings.Pgdg.Key] = new(true, null);
        foreach (var (key, value) in profile.SiteVars) siteVars[key] = new(value, null);
        // Production and dr sites must say who may reach SSH (DL505, issue 13); init starts with the site's own address
        // block (every host is in 10.BASE.x.x), which the operator narrows to their bastion or admin network.
        if (profile.Environment is "production" or "dr")
            siteVars[Components.OsBaseLayer.FirewallPolicy.SshSourcesKey] = new(new List<string> { $"10.{profile.AddressBase}.0.0/16" }, null);

        return new Site(
            name_, profile.Environment, profile.Role,
            profile.Role == SiteRole.Standby ? "dr.datalyptica.example.com" : profile.Name == "production"
                ? "datalyptica.example.com" : $"{profile.Name}.datalyptica.example.com",
            ImpliedRoles.Place(hosts), vips, objectStore, ComponentCatalog.DefaultVersions)
        {
            Vars = siteVars,
            GroupVars = groupVars,
            ObjectStorageTb = profile.ObjectStorageTb,
        };
    }

    /// <summary>A KRaft cluster id: 16 random bytes in URL-safe base64 without padding, as kafka-storage random-uuid prints.</summary>
    public static string NewKafkaClusterId() =>
        Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static IReadOnlyList<Pool> Scale(Profile profile, int? hostCount)
    {
        var pools = profile.Pools.ToList();
        var baseCount = pools.Sum(p => p.Count);
        if (hostCount is null || hostCount == baseCount) return pools;
        if (hostCount < baseCount)
            throw new ArgumentException(
                $"profile '{profile.Name}' needs at least {baseCount} hosts; {hostCount} were asked for. Ask for {baseCount} or more.");
        var scalable = pools.Select((p, i) => (p, i)).Where(x => x.p.Scalable).Select(x => x.i).ToArray();
        for (int added = 0, k = 0; added < hostCount - baseCount; added++, k++)
        {
            var index = scalable[k % scalable.Length];
            pools[index] = pools[index] with { Count = pools[index].Count + 1 };
        }
        return pools;
    }

    private static IPAddress NextAddress(Profile profile, Tier tier, Dictionary<Tier, int> next)
    {
        // A tier keeps its third octet; past 240 hosts it continues in the next second octet, so a scaled
        // site (thousands of workers) never runs into another tier's subnet.
        var n = next.GetValueOrDefault(tier, 0);
        next[tier] = n + 1;
        const int perSubnet = 240;
        return IPAddress.Parse($"10.{profile.AddressBase + n / perSubnet}.{TierOctet(tier)}.{FirstHostOctet + n % perSubnet}");
    }
}
