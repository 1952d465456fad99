using Datalyptica.Contracts;

namespace Datalyptica.Components.Keepalived;

/// <summary>Keepalived's inventory variables (keepalived.conf(5): advert_int, interface).</summary>
public static partial class KeepalivedSettings
{
    // 0.5 s (VRRPv3), not 1 s: a crashed VIP holder must be replaced within 2 s. A backup takes over after
    // 3 x advert_int + skew ((256 - priority) / 256 x advert_int): 3.2 s measured by hand with 1 s, about 1.7 s allowed
    // with 0.5 s; `datalyptica drill SITE vip-crash` measures it (docs/DRILLS.md). VRRPv3 adverts go down to
    // centiseconds (RFC 5798); keepalived accepts up to 255 s.
    public static readonly DecimalSetting AdvertInt = new("keepalived_advert_int", 0.5m, 0.01m, 255m, "VRRP advertisement interval; a VIP moves after about 3 missed", "s")
        { Scope = SettingScope.Host };
    public static readonly TextSetting Interface = new("keepalived_interface", "eth0", "the interface VIPs are added to, unless a VIP names its own")
        { Scope = SettingScope.Host, Pattern = InterfaceName, PatternDescription = "a network interface name (at most 15 characters, starting with a letter or digit)" };

    // IFNAMSIZ is 16 with the terminating NUL.
    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,14}$")]
    private static partial System.Text.RegularExpressions.Regex InterfaceName { get; }

    public static readonly IReadOnlyList<SettingSpec> All = [AdvertInt, Interface];
}
