using Datalyptica.Components.Airflow;
using Datalyptica.Components.Keycloak;
using Datalyptica.Components.Prometheus;
using Datalyptica.Components.Superset;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Redis;

/// <summary>Who calls Redis' and Sentinel's ports.</summary>
public static class RedisAccess
{
    public static IReadOnlyList<Access> Firewall { get; } =
    [
        new("redis", RedisComponent.Data, RedisComponent.Server,
            [RedisComponent.Data, RedisComponent.Sentinel, KeycloakComponent.Server, SupersetComponent.Server, AirflowComponent.Scheduler, AirflowComponent.Web],
            "replication, Sentinel monitoring, and the apps that cache in Redis"),
        new("redis_exporter", RedisComponent.Data, RedisComponent.Exporter, [PrometheusComponent.Server], "redis_exporter scrape"),
        new("redis_sentinel", RedisComponent.Sentinel, RedisComponent.SentinelPort,
            [RedisComponent.Sentinel, RedisComponent.Data, KeycloakComponent.Server, SupersetComponent.Server, AirflowComponent.Scheduler, AirflowComponent.Web],
            "Sentinels gossip; clients ask Sentinel for the current primary"),
    ];
}
