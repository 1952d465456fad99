using System.Text;
using Datalyptica.Contracts;

namespace Datalyptica.Components;

/// <summary>
/// The variable reference of docs/SITE-FORMAT.md, generated from the declarations (a test fails when the committed file
/// differs), so the documented type, range and default are the ones validate and the renderers use.
/// </summary>
public static class SettingsReference
{
    public static string Markdown()
    {
        var sb = new StringBuilder();
        sb.Append("Scope *site*: read from group_vars/all only (DL553 warns when set for a group or host). Scope *host*: a group or host\n");
        sb.Append("value wins over the site-wide one. A value of the wrong type is DL550, one outside the allowed values DL551.\n\n");
        sb.Append("| Key | Type | Allowed | Default | Scope | Meaning |\n|---|---|---|---|---|---|\n");
        foreach (var (owner, settings) in Owners())
        {
            sb.Append($"| **{owner}** | | | | | |\n");
            foreach (var s in settings)
                sb.Append($"| `{s.Key}` | {s.TypeName} | {Cell(s.Allowed)} | {Cell(s.DefaultText)} | {s.Scope.ToString().ToLowerInvariant()} | {Cell(s.Doc)} |\n");
        }
        sb.Append("\nPort variables move a port on the hosts that set them (scope host, integer 1..65535):\n\n");
        sb.Append("| Key | Default | Component |\n|---|---|---|\n");
        foreach (var (owner, port) in Ports())
            sb.Append($"| `{port.Key}` | {port.DefaultText} | {owner} |\n");
        return sb.ToString();
    }

    private static IEnumerable<(string Owner, IReadOnlyList<SettingSpec> Settings)> Owners() =>
        new[] { ("OS base (every host)", OsBase.Settings) }
            .Concat(ComponentCatalog.All.Where(c => c.Settings.Count > 0).Select(c => (c.DisplayName, c.Settings)));

    private static IEnumerable<(string Owner, SettingSpec Port)> Ports() =>
        OsBase.Ports.Select(p => ("OS base", (SettingSpec)PortSetting.For(p)))
            .Concat(ComponentCatalog.All.SelectMany(c => c.PortSettings.Select(p => (c.DisplayName, p))))
            .DistinctBy(x => x.Item2.Key);

    private static string Cell(string text) => text.Length == 0 ? "" : text.Replace("|", "\\|", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}
