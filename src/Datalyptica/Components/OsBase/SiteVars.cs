using System.Collections;
using System.Globalization;
using Datalyptica.Model;
using Datalyptica.Rendering;

namespace Datalyptica.Components.OsBaseLayer;

/// <summary>
/// Reads an inventory variable for a host: the host's merged vars (host and group vars, Ansible precedence
/// already applied) first, then the site-wide vars (group <c>all</c>).
/// </summary>
public static class SiteVars
{
    public static Setting? Get(RenderContext context, string key) =>
        context.Host.Vars.GetValueOrDefault(key) ?? context.Site.Vars.GetValueOrDefault(key);

    public static string? String(RenderContext context, string key) => Get(context, key)?.AsString() is { Length: > 0 } s ? s : null;

    public static bool Bool(RenderContext context, string key, bool fallback) =>
        Get(context, key)?.AsString() is { } s && bool.TryParse(s, out var b) ? b : fallback;

    public static decimal Decimal(RenderContext context, string key, decimal fallback) =>
        Get(context, key)?.AsString() is { } s && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? d : fallback;

    public static int Int(RenderContext context, string key, int fallback) =>
        Get(context, key)?.AsString() is { } s && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) ? i : fallback;

    /// <summary>A list variable: a YAML sequence, or a string of comma/space separated items.</summary>
    public static IReadOnlyList<string>? List(Setting? setting) => setting?.Value switch
    {
        null => null,
        string s => s.Split([',', ' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        IEnumerable e => e.Cast<object?>().Select(o => new Setting(o, null).AsString()).OfType<string>().Where(x => x.Length > 0).ToList(),
        _ => setting.AsString() is { } one ? [one] : null,
    };

    public static IReadOnlyList<string>? List(RenderContext context, string key) => List(Get(context, key));
}
