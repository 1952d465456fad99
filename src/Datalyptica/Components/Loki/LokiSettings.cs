using Datalyptica.Contracts;

namespace Datalyptica.Components.Loki;

public static class LokiSettings
{
    public static readonly TextSetting RetentionPeriod = new("loki_retention_period", LokiRenderer.DefaultRetention, "limits_config.retention_period")
        { Scope = SettingScope.Host, Pattern = SettingPatterns.Duration, PatternDescription = SettingPatterns.DurationText };

    public static readonly IReadOnlyList<SettingSpec> All = [RetentionPeriod];
}
