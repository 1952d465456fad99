using Datalyptica.Components.Alertmanager;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using static Datalyptica.Contracts.AlertRule;

namespace Datalyptica.Components.Prometheus;

/// <summary>Prometheus' own scrape job and alerts.</summary>
public static class PrometheusMonitoring
{
    public static IReadOnlyList<ScrapeJob> Jobs { get; } =
    [
        new("prometheus", [PrometheusComponent.Server], PrometheusComponent.Http, $"{PrometheusRenderer.RoutePrefix}/metrics")
            { Why = "--web.external-url puts every route, /metrics too, under /prometheus", Order = 20 },
    ];

    public static IReadOnlyList<AlertGroup> Alerts { get; } = [new("prometheus", "prometheus", Rules)];

    private static IEnumerable<AlertRule> Rules(RenderContext ctx)
    {
        var alertmanagers = ctx.Members(AlertmanagerComponent.Server).Count;
        yield return new("PrometheusConfigReloadFailed", "prometheus_config_last_reload_successful{job=\"prometheus\"} == 0", "10m", Warning,
            "Prometheus config reload failed", "{{ $labels.host }} runs an old configuration.")
        {
            Proof = AlertProof.Gauge("prometheus_config_last_reload_successful{job=\"prometheus\",host=\"p1\"}", 0, 1),
        };
        yield return new("PrometheusRuleEvaluationFailures", "increase(prometheus_rule_evaluation_failures_total{job=\"prometheus\"}[5m]) > 0", "15m", Warning,
            "rule evaluation failing", "{{ $labels.host }} fails to evaluate rules: alerts may be missed.")
        {
            Proof = AlertProof.Counter("prometheus_rule_evaluation_failures_total{job=\"prometheus\",host=\"p1\"}"),
        };
        yield return new("PrometheusNotificationsFailing", "rate(prometheus_notifications_errors_total{job=\"prometheus\"}[5m]) > 0", "15m", Warning,
            "alerts not delivered to an Alertmanager", "{{ $labels.host }} fails to send alerts to {{ $labels.alertmanager }}.")
        {
            Proof = AlertProof.Counter("prometheus_notifications_errors_total{job=\"prometheus\",host=\"p1\",alertmanager=\"http://am1:9093/api/v2/alerts\"}"),
        };
        if (alertmanagers > 0)
            yield return new("PrometheusAlertmanagersMissing", $"prometheus_notifications_alertmanagers_discovered{{job=\"prometheus\"}} < {alertmanagers}", "10m", Warning,
                "Prometheus knows fewer Alertmanagers than the site has", $"{{{{ $labels.host }}}} sends to {{{{ $value }}}} of {alertmanagers} Alertmanagers.")
            {
                Proof = AlertProof.Gauge("prometheus_notifications_alertmanagers_discovered{job=\"prometheus\",host=\"p1\"}", alertmanagers - 1, alertmanagers),
            };
    }
}
