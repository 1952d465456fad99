using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.RegularExpressions;

namespace Datalyptica.Inventory;

/// <summary>
/// YAML 1.1 implicit typing exactly as PyYAML's SafeLoader (which Ansible uses) resolves plain scalars,
/// plus Python's float repr so numbers print like ansible-inventory prints them.
/// </summary>
internal static partial class Yaml11
{
    // The regular expressions are PyYAML's resolver patterns (yaml/resolver.py), unchanged.
    [GeneratedRegex(@"^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$")]
    private static partial Regex BoolPattern();

    [GeneratedRegex(@"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^(?:~|null|Null|NULL|)$")]
    private static partial Regex NullPattern();

    [GeneratedRegex(@"^(?<year>[0-9][0-9][0-9][0-9])-(?<month>[0-9][0-9]?)-(?<day>[0-9][0-9]?)(?:(?:[Tt]|[ \t]+)(?<hour>[0-9][0-9]?):(?<minute>[0-9][0-9]):(?<second>[0-9][0-9])(?:\.(?<fraction>[0-9]*))?(?:[ \t]*(?<tz>Z|(?<tzsign>[-+])(?<tzhour>[0-9][0-9]?)(?::(?<tzminute>[0-9][0-9]))?))?)?$")]
    private static partial Regex TimestampPattern();

    [GeneratedRegex(@"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$")]
    private static partial Regex TimestampResolvePattern();

    /// <summary>What a plain (unquoted, untagged) scalar means in YAML 1.1.</summary>
    public static InventoryScalar ResolvePlain(string text, SourceLocation at)
    {
        if (NullPattern().IsMatch(text)) return new InventoryScalar(ScalarKind.Null, null, at);
        if (BoolPattern().IsMatch(text)) return ConstructBool(text, at);
        if (IntPattern().IsMatch(text)) return ConstructInt(text, at);
        if (FloatPattern().IsMatch(text)) return ConstructFloat(text, at);
        if (TimestampResolvePattern().IsMatch(text)) return ConstructTimestamp(text, at);
        return new InventoryScalar(ScalarKind.String, text, at);
    }

    /// <summary>True when a plain scalar with this text would be read back as the same string.</summary>
    public static bool PlainStaysString(string text) =>
        ResolvePlain(text, InventoryValue.Generated).Kind == ScalarKind.String && text != "<<" && text != "=";

    public static InventoryScalar ConstructBool(string text, SourceLocation at)
    {
        var lower = text.ToLowerInvariant();
        if (lower is "yes" or "true" or "on") return new InventoryScalar(ScalarKind.Boolean, true, at);
        if (lower is "no" or "false" or "off") return new InventoryScalar(ScalarKind.Boolean, false, at);
        throw new FormatException($"'{text}' is not a YAML 1.1 boolean");
    }

    public static InventoryScalar ConstructInt(string text, SourceLocation at)
    {
        var value = text.Replace("_", "");
        var sign = BigInteger.One;
        if (value.StartsWith('-')) { sign = BigInteger.MinusOne; value = value[1..]; }
        else if (value.StartsWith('+')) value = value[1..];

        BigInteger result;
        if (value == "0") result = BigInteger.Zero;
        else if (value.StartsWith("0b")) result = ParseBase(value[2..], 2);
        else if (value.StartsWith("0x")) result = ParseBase(value[2..], 16);
        else if (value.StartsWith('0')) result = ParseBase(value[1..], 8);
        else if (value.Contains(':'))
        {
            // Sexagesimal: 190:20:30 is 190*3600 + 20*60 + 30.
            result = BigInteger.Zero;
            foreach (var part in value.Split(':')) result = result * 60 + BigInteger.Parse(part, CultureInfo.InvariantCulture);
        }
        else result = BigInteger.Parse(value, CultureInfo.InvariantCulture);
        return InventoryScalar.Integer(sign * result, at);
    }

    private static BigInteger ParseBase(string digits, int radix)
    {
        if (digits.Length == 0) throw new FormatException("missing digits");
        var result = BigInteger.Zero;
        foreach (var c in digits)
        {
            var digit = Convert.ToInt32(c.ToString(), 16);
            if (digit >= radix) throw new FormatException($"digit '{c}' is not valid in base {radix}");
            result = result * radix + digit;
        }
        return result;
    }

    public static InventoryScalar ConstructFloat(string text, SourceLocation at)
    {
        var value = text.Replace("_", "").ToLowerInvariant();
        var sign = 1.0;
        if (value.StartsWith('-')) { sign = -1; value = value[1..]; }
        else if (value.StartsWith('+')) value = value[1..];

        double result;
        if (value == ".inf") result = double.PositiveInfinity;
        else if (value == ".nan") result = double.NaN;
        else if (value.Contains(':'))
        {
            result = 0;
            foreach (var part in value.Split(':')) result = result * 60 + double.Parse(part, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        else result = double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        return new InventoryScalar(ScalarKind.Float, sign * result, at);
    }

    /// <summary>
    /// PyYAML builds a date or datetime; Ansible's JSON encoder prints it with Python's isoformat().
    /// </summary>
    public static InventoryScalar ConstructTimestamp(string text, SourceLocation at)
    {
        var m = TimestampPattern().Match(text);
        if (!m.Success) throw new FormatException($"'{text}' is not a YAML 1.1 timestamp");
        int G(string name) => int.Parse(m.Groups[name].Value, CultureInfo.InvariantCulture);

        var date = new DateOnly(G("year"), G("month"), G("day")); // validates the calendar date like Python does
        var iso = new StringBuilder(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        if (m.Groups["hour"].Success)
        {
            iso.Append(CultureInfo.InvariantCulture, $"T{G("hour"):00}:{G("minute"):00}:{G("second"):00}");
            var fraction = m.Groups["fraction"].Value;
            if (fraction.Length > 0)
            {
                var micro = int.Parse(fraction.Length > 6 ? fraction[..6] : fraction.PadRight(6, '0'), CultureInfo.InvariantCulture);
                if (micro != 0) iso.Append(CultureInfo.InvariantCulture, $".{micro:000000}");
            }
            if (m.Groups["tzsign"].Success)
            {
                var minutes = G("tzhour") * 60 + (m.Groups["tzminute"].Success ? G("tzminute") : 0);
                iso.Append(CultureInfo.InvariantCulture, $"{m.Groups["tzsign"].Value}{minutes / 60:00}:{minutes % 60:00}");
            }
            else if (m.Groups["tz"].Success) iso.Append("+00:00");
        }
        return new InventoryScalar(ScalarKind.Timestamp, iso.ToString(), at);
    }

    /// <summary>Python's repr(float) (also what json.dumps prints): shortest round-trip digits,
    /// exponent form when the decimal point position is below -4 or above 16, ".0" added to integral values.</summary>
    public static string PythonFloatRepr(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "Infinity";
        if (double.IsNegativeInfinity(value)) return "-Infinity";
        if (value == 0) return double.IsNegative(value) ? "-0.0" : "0.0";

        // "E16" is not shortest; "R" is, so take its digits and exponent apart.
        var r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponent = 0;
        var ePos = r.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            exponent = int.Parse(r[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..ePos];
        }
        var dot = r.IndexOf('.');
        var intPart = dot >= 0 ? r[..dot] : r;
        var fracPart = dot >= 0 ? r[(dot + 1)..] : "";
        var digits = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - (intPart + fracPart).TrimStart('0').Length;
        // decimalPoint: value = 0.DIGITS * 10^decimalPoint
        var decimalPoint = intPart.Length + exponent - leadingZeros;
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";

        string body;
        if (decimalPoint <= -4 || decimalPoint > 16)
        {
            var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            var e = decimalPoint - 1;
            body = mantissa + "e" + (e < 0 ? "-" : "+") + Math.Abs(e).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (decimalPoint <= 0) body = "0." + new string('0', -decimalPoint) + digits;
        else if (decimalPoint >= digits.Length) body = digits + new string('0', decimalPoint - digits.Length) + ".0";
        else body = digits[..decimalPoint] + "." + digits[decimalPoint..];
        return (value < 0 ? "-" : "") + body;
    }
}
