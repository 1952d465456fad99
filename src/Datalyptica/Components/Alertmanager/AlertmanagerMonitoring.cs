using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using static Datalyptica.Contracts.AlertRule;

namespace Datalyptica.Components.Alertmanager;

/// <summary>Alertmanager's scrape job and alerts.</summary>
public static class AlertmanagerMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
        [new("alertmanager", [AlertmanagerComponent.Server], AlertmanagerComponent.Http, $"{AlertmanagerRenderer.RoutePrefix}/metrics") { Order = 30 }];

    public static IReadOnlyList<AlertGroup> Alerts { get; } = [new("alertmanager", "alertmanager", Rules)];

    private static IEnumerable<AlertRule> Rules(RenderContext ctx)
    {
        var peers = ctx.Members(AlertmanagerComponent.Server).Count;
        yield return new("AlertmanagerClusterMembersMissing", $"alertmanager_cluster_members{{job=\"alertmanager\"}} < {peers}", "10m", Warning,
            "Alertmanager cluster incomplete", $"{{{{ $labels.host }}}} sees {{{{ $value }}}} of {peers} peers: notifications may be sent twice or silences not shared.")
        {
            Proof = AlertProof.Gauge("alertmanager_cluster_members{job=\"alertmanager\",host=\"am1\"}", peers - 1, peers),
        };
        yield return new("AlertmanagerConfigReloadFailed", "alertmanager_config_last_reload_successful{job=\"alertmanager\"} == 0", "10m", Warning,
            "Alertmanager config reload failed", "{{ $labels.host }} runs an old configuration.")
        {
            Proof = AlertProof.Gauge("alertmanager_config_last_reload_successful{job=\"alertmanager\",host=\"am1\"}", 0, 1),
        };
        yield return new("AlertmanagerNotificationsFailing", "rate(alertmanager_notifications_failed_total{job=\"alertmanager\"}[5m]) > 0", "10m", Warning,
            "Alertmanager cannot deliver notifications", "{{ $labels.host }} fails to notify via {{ $labels.integration }}.")
        {
            Proof = AlertProof.Counter("alertmanager_notifications_failed_total{job=\"alertmanager\",host=\"am1\",integration=\"webhook\"}"),
        };
    }
}
