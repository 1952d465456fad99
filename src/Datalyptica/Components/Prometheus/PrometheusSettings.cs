using Datalyptica.Contracts;

namespace Datalyptica.Components.Prometheus;

public static class PrometheusSettings
{
    public static readonly TextSetting Retention = new("prometheus_retention", PrometheusRenderer.DefaultRetention, "--storage.tsdb.retention.time")
        { Scope = SettingScope.Host, Pattern = SettingPatterns.Duration, PatternDescription = SettingPatterns.DurationText };
    public static readonly TextSetting RunbookUrl = new("prometheus_runbook_url", null, "base URL of the runbooks alerts link to")
        { Pattern = SettingPatterns.Url, PatternDescription = SettingPatterns.UrlText, DefaultDescription = "https://<domain>/runbooks", Example = "https://wiki.example.com/runbooks" };

    public static readonly IReadOnlyList<SettingSpec> All = [Retention, RunbookUrl];
}
