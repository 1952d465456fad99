using Datalyptica.Contracts;

namespace Datalyptica.Components.Alertmanager;

/// <summary>Where Alertmanager sends alerts (Alertmanager configuration reference: email_config, webhook_config).</summary>
public static class AlertmanagerSettings
{
    public static readonly TextSetting Smarthost = new("alertmanager_smtp_smarthost", null, "SMTP relay for alert mail")
        { Scope = SettingScope.Host, Pattern = SettingPatterns.HostPort, PatternDescription = SettingPatterns.HostPortText, DefaultDescription = "smtp.<domain>:587", Example = "smtp.example.com:587" };
    public static readonly TextSetting EmailTo = new("alertmanager_email_to", null, "who receives alert mail")
        { Scope = SettingScope.Host, Pattern = SettingPatterns.Email, PatternDescription = SettingPatterns.EmailText, DefaultDescription = "platform-oncall@<domain>", Example = "oncall@example.com" };
    public static readonly TextSetting EmailFrom = new("alertmanager_email_from", null, "sender of alert mail")
        { Scope = SettingScope.Host, Pattern = SettingPatterns.Email, PatternDescription = SettingPatterns.EmailText, DefaultDescription = "alertmanager@<domain>", Example = "alertmanager@example.com" };
    public static readonly TextSetting CriticalWebhook = new("alertmanager_critical_webhook_url", null, "webhook that also receives critical alerts (pager)")
        { Scope = SettingScope.Host, Pattern = SettingPatterns.Url, PatternDescription = SettingPatterns.UrlText, Example = "https://pager.example.com/hook" };
    public static readonly TextSetting Heartbeat = new("alertmanager_heartbeat_url", null, "dead man's switch: the always-firing Watchdog alert goes here")
        { Scope = SettingScope.Host, Pattern = SettingPatterns.Url, PatternDescription = SettingPatterns.UrlText, Example = "https://heartbeat.example.com/ping" };

    public static readonly IReadOnlyList<SettingSpec> All = [Smarthost, EmailTo, EmailFrom, CriticalWebhook, Heartbeat];
}
