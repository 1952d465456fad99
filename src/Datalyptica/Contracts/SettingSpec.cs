using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Datalyptica.Model;

namespace Datalyptica.Contracts;

/// <summary>Where a setting may be set: only site-wide (group <c>all</c>), or also per host (group and host vars win).</summary>
public enum SettingScope { Site, Host }

/// <summary>What is wrong with a value: the wrong type (DL550) or a value of the right type outside what is allowed (DL551).</summary>
public sealed record SettingProblem(bool WrongType, string Message);

/// <summary>
/// One inventory variable a component reads: its key, type, default, allowed values and a one-line doc. Declared once, in
/// the component's folder, and read only through this declaration, so the validator, the renderers and the generated
/// variable reference (docs/SITE-FORMAT.md) cannot disagree about its default or its range.
/// Reads never throw: a value the declaration refuses falls back to the default, and <c>validate</c> (which every verb
/// runs first) refuses the site with the file, line, key and the allowed values (one generic rule, DL550/DL551).
/// </summary>
public abstract class SettingSpec(string key, string doc)
{
    public string Key { get; } = key;
    public string Doc { get; } = doc;
    public SettingScope Scope { get; init; } = SettingScope.Site;

    /// <summary>A value the declaration accepts, as YAML (for the variable reference and the tests), when the default is none.</summary>
    public string? Example { get; init; }

    /// <summary>The type as the variable reference shows it: "integer", "boolean", "string", "list of CIDRs".</summary>
    public abstract string TypeName { get; }

    /// <summary>The allowed values or range as the reference and the error messages show them; empty when any value of the type is allowed.</summary>
    public abstract string Allowed { get; }

    /// <summary>The default as the reference shows it (a sentence when it is computed).</summary>
    public abstract string DefaultText { get; }

    /// <summary>Why <paramref name="value"/> (as the inventory reader typed it) is not acceptable, or null when it is.</summary>
    public abstract SettingProblem? Check(object? value);

    /// <summary>The value that applies: for host-scoped settings the host's merged vars first, then the site-wide value.</summary>
    public Setting? Find(Site site, Host? host = null) =>
        (Scope == SettingScope.Host && host is not null ? host.Vars.GetValueOrDefault(Key) : null) ?? site.Vars.GetValueOrDefault(Key);

    /// <summary>Where the value that applies was set, for findings of cross-setting rules; the site's settings file when unset.</summary>
    public Diagnostics.SourceRef? SourceIn(Site site, Host? host = null) => Find(site, host)?.Source ?? site.Source;

    public bool IsSet(Site site, Host? host = null) => Find(site, host) is { Value: not null };

    public override string ToString() => Key;

    internal static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        bool b => b ? "true" : "false",
        IDictionary => "a mapping",
        IEnumerable and not string => "a list",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    protected static SettingProblem WrongType(object? value, string expected) => new(true, $"{Show(value)} is not {expected}");
}

/// <summary>A whole number in [<see cref="Min"/>, <see cref="Max"/>]; a quoted number ("20") is read as the number, as Jinja would.</summary>
public sealed class IntSetting(string key, long? defaultValue, long min, long max, string doc, string unit = "") : SettingSpec(key, doc)
{
    public long? Default { get; } = defaultValue;
    public long Min { get; } = min;
    public long Max { get; } = max;
    public string Unit { get; } = unit;
    /// <summary>Shown instead of the number when the default is computed (from the host's size, say).</summary>
    public string? DefaultDescription { get; init; }

    public override string TypeName => "integer";
    public override string Allowed => $"{Min.ToString(CultureInfo.InvariantCulture)}..{Max.ToString(CultureInfo.InvariantCulture)}{(Unit.Length > 0 ? " " + Unit : "")}";
    public override string DefaultText => DefaultDescription ?? Default?.ToString(CultureInfo.InvariantCulture) ?? "unset";

    public override SettingProblem? Check(object? value)
    {
        if (!TryRead(value, out var number)) return WrongType(value, "an integer");
        return InRange(number) ? null : new(false, $"{number.ToString(CultureInfo.InvariantCulture)} is outside {Allowed}");
    }

    private bool InRange(BigInteger number) => number >= Min && number <= Max;

    private static bool TryRead(object? value, out BigInteger number)
    {
        number = default;
        switch (value)
        {
            case long l: number = l; return true;
            case int i: number = i; return true;
            case BigInteger b: number = b; return true;
            case string s: return BigInteger.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number);
            default: return false;
        }
    }

    /// <summary>The value that applies, or null when unset or refused by <see cref="Check"/>.</summary>
    public long? GetLong(Site site, Host? host = null) =>
        Find(site, host)?.Value is { } v && TryRead(v, out var n) && InRange(n) ? (long)n : null;

    /// <summary>The value that applies (its range fits an int), or null when unset or refused.</summary>
    public int? Get(Site site, Host? host = null) => GetLong(site, host) is { } n ? checked((int)n) : null;

    /// <summary>The value that applies, or the default.</summary>
    public long ReadLong(Site site, Host? host = null) =>
        GetLong(site, host) ?? Default ?? throw new InvalidOperationException($"{Key} has no default; read it with Get");

    public int Read(Site site, Host? host = null) => checked((int)ReadLong(site, host));
}

/// <summary>A decimal number in [<see cref="Min"/>, <see cref="Max"/>] (keepalived's advert_int takes fractions of a second).</summary>
public sealed class DecimalSetting(string key, decimal defaultValue, decimal min, decimal max, string doc, string unit = "") : SettingSpec(key, doc)
{
    public decimal Default { get; } = defaultValue;
    public override string TypeName => "number";
    public override string Allowed => $"{Min.ToString(CultureInfo.InvariantCulture)}..{Max.ToString(CultureInfo.InvariantCulture)}{(unit.Length > 0 ? " " + unit : "")}";
    public override string DefaultText => Default.ToString(CultureInfo.InvariantCulture);
    public decimal Min { get; } = min;
    public decimal Max { get; } = max;

    public override SettingProblem? Check(object? value)
    {
        if (!TryRead(value, out var number)) return WrongType(value, "a number");
        return InRange(number) ? null : new(false, $"{number.ToString(CultureInfo.InvariantCulture)} is outside {Allowed}");
    }

    private bool InRange(decimal number) => number >= Min && number <= Max;

    private static bool TryRead(object? value, out decimal number)
    {
        number = default;
        switch (value)
        {
            case long l: number = l; return true;
            case double d when double.IsFinite(d) && Math.Abs(d) < 1e15: number = (decimal)d; return true;
            case string s: return decimal.TryParse(s.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out number);
            default: return false;
        }
    }

    public decimal Read(Site site, Host? host = null) =>
        Find(site, host)?.Value is { } v && TryRead(v, out var n) && InRange(n) ? n : Default;
}

/// <summary>
/// true or false. Besides YAML's booleans, the strings Ansible's <c>bool</c> filter accepts (yes/no, on/off, 1/0, true/false, y/n,
/// t/f, any case) are read the same way, so a quoted "yes" means what an Ansible user expects; anything else is refused.
/// </summary>
public sealed class BoolSetting(string key, bool defaultValue, string doc) : SettingSpec(key, doc)
{
    public bool Default { get; } = defaultValue;
    public override string TypeName => "boolean";
    public override string Allowed => "";
    public override string DefaultText => Default ? "true" : "false";

    public override SettingProblem? Check(object? value) => TryRead(value, out _) ? null : WrongType(value, "a boolean (true or false)");

    internal static bool TryRead(object? value, out bool result)
    {
        result = false;
        switch (value)
        {
            case bool b: result = b; return true;
            case long l when l is 0 or 1: result = l == 1; return true;
            case string s:
                switch (s.Trim().ToLowerInvariant())
                {
                    case "true" or "yes" or "on" or "1" or "y" or "t": result = true; return true;
                    case "false" or "no" or "off" or "0" or "n" or "f": return true;
                }
                return false;
            default: return false;
        }
    }

    public bool Read(Site site, Host? host = null) =>
        Find(site, host)?.Value is { } v && TryRead(v, out var b) ? b : Default;
}

/// <summary>
/// A string, optionally matching a pattern (a size, a duration, a DNS name). Numbers written without quotes are read as their
/// text, as Jinja would print them, unless <see cref="StrictString"/>.
/// </summary>
public sealed class TextSetting(string key, string? defaultValue, string doc) : SettingSpec(key, doc)
{
    public string? Default { get; } = defaultValue;
    /// <summary>The pattern a value must match (whole value), and what it means in words for the messages.</summary>
    public Regex? Pattern { get; init; }
    public string? PatternDescription { get; init; }
    /// <summary>A check a pattern cannot express (an address that must parse); <see cref="PatternDescription"/> says what it wants.</summary>
    public Func<string, bool>? Accepts { get; init; }
    /// <summary>Shown instead of the value when the default is computed.</summary>
    public string? DefaultDescription { get; init; }
    public bool StrictString { get; init; }

    public override string TypeName => "string";
    public override string Allowed => PatternDescription ?? "";
    public override string DefaultText => DefaultDescription ?? (Default is null ? "unset" : Default.Length == 0 ? "\"\"" : Default);

    public override SettingProblem? Check(object? value)
    {
        if (AsText(value) is not { } text) return WrongType(value, "a string");
        return HasForm(text) ? null : new(false, $"'{text}' is not {PatternDescription}");
    }

    private bool HasForm(string text) => (Pattern is null || Pattern.IsMatch(text)) && (Accepts is null || Accepts(text));

    private string? AsText(object? value) => value switch
    {
        string s => s,
        long or BigInteger or double when !StrictString => new Setting(value, null).AsString(),
        _ => null,
    };

    /// <summary>The value that applies when set, non-empty and accepted; otherwise null.</summary>
    public string? Get(Site site, Host? host = null) =>
        Find(site, host)?.Value is { } v && AsText(v) is { Length: > 0 } s && HasForm(s) ? s : null;

    public string Read(Site site, Host? host = null) =>
        Get(site, host) ?? Default ?? throw new InvalidOperationException($"{Key} has no default; read it with Get");
}

/// <summary>One of a fixed set of words (a policy name, a mode). YAML booleans are read as "true"/"false".</summary>
public sealed class ChoiceSetting(string key, string defaultValue, IReadOnlyList<string> values, string doc) : SettingSpec(key, doc)
{
    public string Default { get; } = defaultValue;
    public IReadOnlyList<string> Values { get; } = values;
    public override string TypeName => "string";
    public override string Allowed => "one of " + string.Join(", ", Values);
    public override string DefaultText => Default;

    public override SettingProblem? Check(object? value)
    {
        if (Normalise(value) is not { } word) return WrongType(value, Allowed);
        return Values.Contains(word) ? null : new(false, $"'{word}' is not {Allowed}");
    }

    private string? Normalise(object? value) => value switch
    {
        bool b => b ? "true" : "false",
        // A quoted "yes" is the boolean an Ansible user meant, when the choice has true/false.
        string s when Values.Contains("true") && BoolSetting.TryRead(s, out var b) => b ? "true" : "false",
        string s => s.Trim(),
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    public string Read(Site site, Host? host = null) =>
        Find(site, host)?.Value is { } v && Normalise(v) is { } word && Values.Contains(word) ? word : Default;
}

/// <summary>
/// A list of strings: a YAML sequence, or one string of comma/space separated items. <see cref="Item"/> checks each item
/// (an IP network, a host name) and says what it expects.
/// </summary>
public sealed class ListSetting(string key, string doc) : SettingSpec(key, doc)
{
    public IReadOnlyList<string>? Default { get; init; }
    public Func<string, bool>? Item { get; init; }
    public string ItemDescription { get; init; } = "strings";
    /// <summary>Shown instead of the items when the default is computed (another setting's value).</summary>
    public string? DefaultDescription { get; init; }

    public override string TypeName => "list of " + ItemDescription;
    public override string Allowed => "";
    public override string DefaultText => DefaultDescription ?? (Default is null ? "unset" : string.Join(", ", Default));

    public override SettingProblem? Check(object? value)
    {
        if (Items(value) is not { } items) return WrongType(value, "a list of " + ItemDescription);
        var bad = FirstBadItem(items);
        return bad is null ? null : new(false, $"item '{bad}' is not one of the {ItemDescription} it takes");
    }

    private string? FirstBadItem(IReadOnlyList<string> items) => Item is null ? null : items.FirstOrDefault(i => !Item(i));

    /// <summary>The items of a value, or null when it is not a list (a mapping, a nested list).</summary>
    public static IReadOnlyList<string>? Items(object? value) => value switch
    {
        null => null,
        string s => s.Split([',', ' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        IDictionary => null,
        IEnumerable e => e.Cast<object?>().All(o => o is not (IEnumerable and not string))
            ? e.Cast<object?>().Select(o => new Setting(o, null).AsString()).OfType<string>().Where(x => x.Length > 0).ToList()
            : null,
        _ => new Setting(value, null).AsString() is { } one ? [one] : null,
    };

    /// <summary>The items when set, non-empty and accepted; otherwise null (the caller's default applies).</summary>
    public IReadOnlyList<string>? Get(Site site, Host? host = null) =>
        Find(site, host)?.Value is { } v && Items(v) is { Count: > 0 } items && FirstBadItem(items) is null ? items : null;

    public IReadOnlyList<string> Read(Site site, Host? host = null) =>
        Get(site, host) ?? Default ?? throw new InvalidOperationException($"{Key} has no default; read it with Get");
}

/// <summary>A mapping of names to strings, each name and value of a declared form (package name → version).</summary>
public sealed class MapSetting(string key, string doc) : SettingSpec(key, doc)
{
    public required Regex KeyPattern { get; init; }
    public required string KeyDescription { get; init; }
    public required Regex ValuePattern { get; init; }
    public required string ValueDescription { get; init; }

    public override string TypeName => $"mapping of {KeyDescription} to {ValueDescription}";
    public override string Allowed => "";
    public override string DefaultText => "unset";

    public override SettingProblem? Check(object? value)
    {
        if (value is not IDictionary map) return WrongType(value, "a mapping");
        foreach (DictionaryEntry entry in map)
        {
            var name = entry.Key?.ToString() ?? "";
            if (!KeyPattern.IsMatch(name)) return new(false, $"key '{name}' is not {KeyDescription}");
            if (entry.Value is IDictionary or (IEnumerable and not string) || new Setting(entry.Value, null).AsString() is not { } text || !ValuePattern.IsMatch(text))
                return new(false, $"the value of '{name}' ({Show(entry.Value)}) is not {ValueDescription}");
        }
        return null;
    }

    /// <summary>The entries when set and accepted, ordered by name; empty otherwise (validate has refused a bad one).</summary>
    public IReadOnlyDictionary<string, string> Read(Site site, Host? host = null)
    {
        var value = Find(site, host)?.Value;
        if (value is not IDictionary map || Check(value) is not null) return new SortedDictionary<string, string>(StringComparer.Ordinal);
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in map) result[entry.Key!.ToString()!] = new Setting(entry.Value, null).AsString()!;
        return result;
    }
}

/// <summary>
/// A structured value (a mapping or a list of mappings) that its component reads with its own rule; the generic check
/// only requires the shape.
/// </summary>
public sealed class StructuredSetting(string key, bool mapping, string doc) : SettingSpec(key, doc)
{
    public bool IsMapping { get; } = mapping;
    public override string TypeName => IsMapping ? "mapping" : "list";
    public override string Allowed => "";
    public override string DefaultText => "unset";

    public override SettingProblem? Check(object? value) =>
        IsMapping ? value is IDictionary ? null : WrongType(value, "a mapping")
                  : value is IEnumerable and not string and not IDictionary ? null : WrongType(value, "a list");
}
