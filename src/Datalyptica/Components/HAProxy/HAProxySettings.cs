using Datalyptica.Contracts;

namespace Datalyptica.Components.HAProxy;

/// <summary>HAProxy's inventory variables (HAProxy configuration manual: maxconn; Patroni REST API: /replica?lag=).</summary>
public static partial class HAProxySettings
{
    public static readonly IntSetting MaxConn = new("haproxy_maxconn", null, 100, 1_000_000, "global maxconn")
        { Scope = SettingScope.Host, DefaultDescription = "16 per MB of half the host's RAM, 4,000..100,000, rounded down to a thousand" };
    public static readonly TextSetting TlsCertificate = new("haproxy_tls_certificate", null, "your own PEM (certificate + key) for the front door")
        { Scope = SettingScope.Host, Pattern = SettingPatterns.AbsolutePath, PatternDescription = SettingPatterns.AbsolutePathText, DefaultDescription = "a certificate from the site's CA", Example = "/etc/haproxy/certs/own.pem" };
    // Patroni's lag limit for the replicas/async pools (autobase patroni_maximum_lag_on_replica); /replica?lag= takes bytes
    // or a size with a unit (Patroni rest_api.rst).
    public static readonly TextSetting PostgresReplicaMaxLag = new("haproxy_postgres_replica_max_lag", "100MB", "replicas further behind leave the read pools")
        { Scope = SettingScope.Host, Pattern = Lag, PatternDescription = "bytes or a size such as 16kB, 100MB, 1GB" };

    [System.Text.RegularExpressions.GeneratedRegex("^[0-9]+(B|kB|MB|GB|TB)?$")]
    private static partial System.Text.RegularExpressions.Regex Lag { get; }

    public static readonly IReadOnlyList<SettingSpec> All = [MaxConn, TlsCertificate, PostgresReplicaMaxLag];
}
