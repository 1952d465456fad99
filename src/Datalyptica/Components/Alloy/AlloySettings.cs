using System.Text.RegularExpressions;
using Datalyptica.Contracts;

namespace Datalyptica.Components.Alloy;

public static partial class AlloySettings
{
    /// <summary>Log files outside /var/log/datalyptica a host also ships (doublestar globs, local.file_match's __path__).</summary>
    public static readonly ListSetting ExtraLogPaths = new("alloy_extra_log_paths", "more log files the host ships to Loki besides the journal and /var/log/datalyptica")
    {
        Scope = SettingScope.Host,
        Item = p => PathGlob().IsMatch(p),
        ItemDescription = "absolute paths or globs (letters, digits, '.', '_', '-', '+', '/', '*', '?')",
        Example = "[/var/log/nginx/*.log]",
    };

    [GeneratedRegex(@"^/[A-Za-z0-9._/+*?-]+$")]
    private static partial Regex PathGlob();

    public static readonly IReadOnlyList<SettingSpec> All = [ExtraLogPaths];
}
