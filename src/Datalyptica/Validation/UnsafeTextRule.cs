using System.Collections;
using System.Globalization;
using Datalyptica.Contracts;
using Datalyptica.Diagnostics;
using Datalyptica.Model;

namespace Datalyptica.Validation;

/// <summary>
/// Every variable of the site, declared or not, at every level (group_vars, host_vars, nested lists and mappings): a
/// newline ends a line of whatever file the value lands in (a newline in redis_maxmemory_policy would add lines to
/// redis.conf), NUL cuts it, and other control and format characters (bidirectional overrides, zero-width ones) make
/// text read differently from what it is. They are refused everywhere (DL555), except inside values that are
/// multi-line by nature (PEM certificates), and so are values longer than <see cref="MaxLength"/>. Vaulted values are
/// secrets and not looked at here.
/// </summary>
public sealed class UnsafeTextRule : IValidationRule
{
    public const int MaxLength = 4096;
    public const int MaxPemLength = 65536;

    /// <summary>Values that are PEM text: newlines are their form.</summary>
    private static readonly HashSet<string> PemKeys = [$"{SiteKeys.ObjectStore}.ca_certificate"];

    public IEnumerable<Diagnostic> Check(Site site)
    {
        foreach (var (key, setting, _) in SiteOccurrences.Of(site))
        {
            if (setting.Sensitive) continue;
            foreach (var (path, text) in Strings(key, setting.Value))
                if (Problem(path, text) is { } problem)
                    yield return new Diagnostic(FindingCodes.SettingUnsafeText, $"{path}: {problem}.",
                        "write the value on one line, with printable characters only (a value that needs a line break is not a setting this tool accepts).",
                        setting.Source, path);
        }
    }

    /// <summary>True when this rule refuses the value of <paramref name="key"/> (other rules then leave it alone).</summary>
    public static bool Refuses(string key, object? value) => Strings(key, value).Any(s => Problem(s.Path, s.Text) is not null);

    /// <summary>What is wrong with one string value, in words; null when nothing is.</summary>
    public static string? Problem(string path, string text)
    {
        var pem = PemKeys.Contains(path);
        var limit = pem ? MaxPemLength : MaxLength;
        if (text.Length > limit) return $"the value is {text.Length:N0} characters long; at most {limit:N0} are accepted";
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (pem && c is '\n' or '\r') continue;
            if (Name(c) is { } name) return $"the value has {name} at character {i + 1}";
        }
        return null;
    }

    private static string? Name(char c) => c switch
    {
        '\n' => "a newline",
        '\r' => "a carriage return",
        '\0' => "a NUL",
        '\t' => "a tab",
        _ => char.GetUnicodeCategory(c) switch
        {
            UnicodeCategory.Control => $"the control character U+{(int)c:X4}",
            UnicodeCategory.Format => $"the invisible format character U+{(int)c:X4}",
            UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => $"the line separator U+{(int)c:X4}",
            _ => null,
        },
    };

    /// <summary>Every string inside a value, with its key path (list items by index, mapping entries by key).</summary>
    private static IEnumerable<(string Path, string Text)> Strings(string path, object? value)
    {
        switch (value)
        {
            case string s:
                yield return (path, s);
                break;
            case IDictionary map:
                foreach (DictionaryEntry entry in map)
                {
                    var key = entry.Key?.ToString() ?? "";
                    yield return (path, key); // a key is text that lands in files too
                    foreach (var inner in Strings($"{path}.{key}", entry.Value)) yield return inner;
                }
                break;
            case IEnumerable list and not string:
                var index = 0;
                foreach (var item in list)
                    foreach (var inner in Strings($"{path}[{index++}]", item)) yield return inner;
                break;
        }
    }
}
