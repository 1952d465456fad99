using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Alertmanager;

/// <summary>
/// Alertmanager from Debian's prometheus-alertmanager package (its paths: /etc/prometheus/alertmanager.yml,
/// /var/lib/prometheus/alertmanager, flags in /etc/default/prometheus-alertmanager; it runs as user prometheus).
/// Members gossip on the cluster port so an alert is notified once and silences are shared.
/// </summary>
public sealed class AlertmanagerRenderer : IComponentRenderer
{
    public const string ConfigPath = "/etc/prometheus/alertmanager.yml";
    public const string DefaultsPath = "/etc/default/prometheus-alertmanager";
    public const string StoragePath = "/var/lib/prometheus/alertmanager";
    public const string ServiceGroup = "prometheus";
    /// <summary>The path prefix Alertmanager is served under (--web.external-url): every route moves under it.</summary>
    public const string RoutePrefix = "/alertmanager";

    private static readonly AlertmanagerComponent Component = new();

    public IEnumerable<RenderedFile> Render(RenderContext ctx)
    {
        if (!ctx.Has(AlertmanagerComponent.Server)) yield break;
        yield return new RenderedFile(Component.Id, ConfigPath, Config(ctx)) { Group = ServiceGroup, Mode = Modes.Private };
        yield return new RenderedFile(Component.Id, DefaultsPath, Defaults(ctx));
    }

    public static string ExternalUrl(Site site) => $"https://{site.Domain}{RoutePrefix}/";

    private static Dictionary<string, object?> Map(params (string Key, object? Value)[] entries)
    {
        var d = new Dictionary<string, object?>();
        foreach (var (k, v) in entries) if (v is not null) d[k] = v;
        return d;
    }

    private static string Config(RenderContext ctx)
    {
        var domain = ctx.Site.Domain;
        var from = AlertmanagerSettings.EmailFrom.Get(ctx.Site, ctx.Host) ?? $"alertmanager@{domain}";
        var to = AlertmanagerSettings.EmailTo.Get(ctx.Site, ctx.Host) ?? $"platform-oncall@{domain}";
        var webhook = AlertmanagerSettings.CriticalWebhook.Get(ctx.Site, ctx.Host);
        var heartbeat = AlertmanagerSettings.Heartbeat.Get(ctx.Site, ctx.Host);
        object Email() => new[] { Map(("to", to), ("send_resolved", true)) };

        var model = Map(
            ("global", Map(
                ("resolve_timeout", "5m"),
                ("smtp_smarthost", AlertmanagerSettings.Smarthost.Get(ctx.Site, ctx.Host) ?? $"smtp.{domain}:587"),
                ("smtp_from", from),
                ("smtp_auth_username", from),
                ("smtp_auth_password", ctx.Secret(AlertmanagerComponent.SmtpPasswordKey)),
                ("smtp_require_tls", true))),
            ("route", Map(
                ("receiver", "email"),
                // site + job: one notification per failing service, not one per alert or per replica.
                ("group_by", new[] { "alertname", "site", "job" }),
                ("group_wait", "30s"),
                ("group_interval", "5m"),
                ("repeat_interval", "12h"),
                ("routes", new[]
                {
                    // The Watchdog always fires; an external dead man's switch alerts when it stops arriving.
                    Map(("matchers", new[] { "alertname=\"Watchdog\"" }), ("receiver", "heartbeat"),
                        ("group_wait", "0s"), ("group_interval", "1m"), ("repeat_interval", "1m")),
                    Map(("matchers", new[] { "severity=\"critical\"" }), ("receiver", "critical"),
                        ("group_wait", "10s"), ("repeat_interval", "1h")),
                    Map(("matchers", new[] { "severity=\"warning\"" }), ("receiver", "email"), ("repeat_interval", "12h")),
                }))),
            ("inhibit_rules", new[]
            {
                // The critical variant of an alert mutes its warning on the same target (and filesystem).
                Map(("source_matchers", new[] { "severity=\"critical\"" }), ("target_matchers", new[] { "severity=\"warning\"" }),
                    ("equal", new[] { "alertname", "instance", "mountpoint" })),
                // When a whole job is down, its per-instance alerts add nothing.
                Map(("source_matchers", new[] { "alertname=~\".+AllInstancesDown\"" }), ("target_matchers", new[] { "alertname=~\".+InstanceDown\"" }),
                    ("equal", new[] { "job" })),
            }),
            ("receivers", new object[]
            {
                Map(("name", "email"), ("email_configs", Email())),
                Map(("name", "critical"), ("email_configs", Email()),
                    ("webhook_configs", webhook is null ? null : new[] { Map(("url", webhook), ("send_resolved", true)) })),
                // Without alertmanager_heartbeat_url the heartbeat goes nowhere (a receiver with no integration).
                Map(("name", "heartbeat"),
                    ("webhook_configs", heartbeat is null ? null : new[] { Map(("url", heartbeat), ("send_resolved", false)) })),
            }));
        return YamlText.Write(model,
            $"Generated by datalyptica for {ctx.Host.Name} (site {ctx.Site.Name}); Alertmanager {ctx.Version(Component)}, Debian package paths.\n" +
            $"# Holds the SMTP password (placeholder until apply): 0640 root:{ServiceGroup}. Valid for Debian's 0.25 (amtool) and 0.28.\n" +
            $"# Receivers: {AlertmanagerSettings.EmailTo}, {AlertmanagerSettings.Smarthost}, {AlertmanagerSettings.CriticalWebhook}, {AlertmanagerSettings.Heartbeat}.");
    }

    private static string Defaults(RenderContext ctx)
    {
        var self = $"{ctx.Host.Address}:{ctx.Port(AlertmanagerComponent.Cluster)}";
        var peers = ctx.Members(AlertmanagerComponent.Server).Where(h => !ReferenceEquals(h, ctx.Host))
            .Select(h => $"--cluster.peer={h.Address}:{h.Port(AlertmanagerComponent.Cluster)}");
        var args = string.Join(' ', new[]
        {
            $"--config.file={ConfigPath}",
            $"--storage.path={StoragePath}",
            "--data.retention=120h",
            $"--web.listen-address={ctx.Host.Address}:{ctx.Port(AlertmanagerComponent.Http)}",
            $"--web.external-url={ExternalUrl(ctx.Site)}",
            $"--cluster.listen-address={self}",
            $"--cluster.advertise-address={self}",
        }.Concat(peers));
        return $"""
            # Generated by datalyptica. Flags for Debian's prometheus-alertmanager.service (ExecStart=prometheus-alertmanager $ARGS).
            # Cluster: gossip (TCP+UDP) on this host's address, one --cluster.peer per OTHER member, and an explicit
            # advertise address so peers never get a guessed one (alertmanager README, "High Availability").
            # --web.external-url: served behind HAProxy under {RoutePrefix}/; Prometheus sends to each member
            # directly with that path prefix.
            ARGS="{args}"

            """;
    }
}
