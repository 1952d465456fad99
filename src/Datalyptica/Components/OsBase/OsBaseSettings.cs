using Datalyptica.Contracts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Repository;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>What every host reads: time sources, firewall sources, where packages and artifacts come from.</summary>
public static class OsBaseSettings
{
    public static readonly ListSetting ChronyServers = new(Chrony.ServersKey, "NTP servers every host uses")
        { Scope = SettingScope.Host, Default = Chrony.DefaultServers, Item = SettingPatterns.IsHostName, ItemDescription = SettingPatterns.HostNameText };
    public static readonly BoolSetting Container = new(Chrony.ContainerKey, false,
        "hosts are containers (the lab): chrony does not set the clock, keepalived skips what a container may not do") { Scope = SettingScope.Host };
    public static readonly ListSetting ClientNetworks = new(FirewallPolicy.ClientNetworksKey, "where users and applications connect from (the front door's sources)")
        { Default = FirewallPolicy.DefaultClientNetworks, Item = SettingPatterns.IsNetwork, ItemDescription = SettingPatterns.NetworkText };
    public static readonly ListSetting AdminNetworks = new(FirewallPolicy.AdminNetworksKey, "where operators reach admin UIs and REST APIs")
        { Item = SettingPatterns.IsNetwork, ItemDescription = SettingPatterns.NetworkText, DefaultDescription = "datalyptica_client_networks", Example = "[10.1.0.0/16]" };
    public static readonly ListSetting SshSources = new(FirewallPolicy.SshSourcesKey, "who may open SSH to the hosts")
        { Item = SettingPatterns.IsNetwork, ItemDescription = SettingPatterns.NetworkText, DefaultDescription = "anywhere; production and dr sites must set it (DL505)", Example = "[10.1.2.0/24, 192.0.2.10]" };
    public static readonly TextSetting AptMirrorUrl = new(AptSource.MirrorUrlKey, null, "your Debian mirror; hosts use it instead of the served offline repository")
        { Pattern = SettingPatterns.Url, PatternDescription = SettingPatterns.UrlText, Example = "http://mirror.example.com/debian/" };
    public static readonly TextSetting AptMirrorSecurityUrl = new(AptSource.MirrorSecurityUrlKey, null, "your mirror of Debian's security archive")
        { Pattern = SettingPatterns.Url, PatternDescription = SettingPatterns.UrlText, Example = "http://mirror.example.com/debian-security/" };
    public static readonly TextSetting AptRepositoryListen = new(AptSource.RepositoryListenKey, null, "ADDR:PORT the control node serves the offline repository on during apply")
        { Accepts = IsEndpoint, PatternDescription = "ADDR:PORT such as 10.77.0.1:8080", Example = "10.40.0.5:8080" };
    public static readonly TextSetting AptRepositoryDir = new(AptSource.RepositoryDirKey, null, "the control-node folder `repo build --out DIR` wrote")
        { Pattern = SettingPatterns.AbsolutePath, PatternDescription = SettingPatterns.AbsolutePathText, Example = "/srv/datalyptica/repository" };
    public static readonly StructuredSetting Artifacts = new(ArtifactCatalog.SiteKey, mapping: true, "release artifacts by component: url and sha512") { Example = "{trino: {url: 'https://artifacts.example.com/trino-server-469.tar.gz', sha512: '...'}}" };

    public static readonly MapSetting PackageVersions = new(PackagePins.SiteKey,
        "Debian packages held at an exact version: apply installs that version, `repo build` keeps it next to the newest, `datalyptica upgrade` moves running hosts to another")
    {
        KeyPattern = SettingPatterns.DebianPackage, KeyDescription = "Debian package names",
        ValuePattern = SettingPatterns.DebianVersion, ValueDescription = "Debian versions",
        Example = "{postgresql-15: 15.20-0+deb12u1, postgresql-client-15: 15.20-0+deb12u1}",
    };

    private static bool IsEndpoint(string text)
    {
        try { Endpoints.Parse(text); return true; }
        catch (ArgumentException) { return false; }
    }

    public static readonly IReadOnlyList<SettingSpec> All =
        [ChronyServers, Container, ClientNetworks, AdminNetworks, SshSources, AptMirrorUrl, AptMirrorSecurityUrl, AptRepositoryListen, AptRepositoryDir, Artifacts, PackageVersions];
}
