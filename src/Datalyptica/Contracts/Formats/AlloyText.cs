using System.Runtime.CompilerServices;
using System.Text;

namespace Datalyptica.Contracts.Formats;

/// <summary>
/// Grafana Alloy configuration syntax (config.alloy). A string is a double-quoted literal read by Alloy's scanner
/// (grafana/alloy syntax/scanner/scanner.go: a raw newline ends it with an error; '\' starts an escape of
/// a b f n r t v \ " , octal, \x, \u or \U) and unquoted with Go's strconv.Unquote (syntax/vm/constant.go); Alloy itself
/// writes strings with Go's %q (syntax/token/builder). <see cref="Quote"/> writes the same form, so any text (quotes,
/// backslashes, line breaks) stays one string and cannot close it or start a block. Identifiers (block names and labels
/// the renderer chooses) are checked by <see cref="Identifier"/>.
/// </summary>
public static class AlloyText
{
    /// <summary>The value as an Alloy string literal: '"' and '\' escaped, control characters as escapes, the rest as UTF-8.</summary>
    public static string Quote(string value, [CallerArgumentExpression(nameof(value))] string? key = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        FormatGuard.WellFormed("alloy", value, key);
        var sb = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append(@"\\"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                default:
                    // Other C0 controls, DEL, NEL and the Unicode line/paragraph separators as \u escapes (strconv.Unquote reads them).
                    if (c < ' ' || c is '\x7f' or '\u0085' or '\u2028' or '\u2029') sb.Append(@"\u").Append(((int)c).ToString("x4"));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>A list of strings: <c>["a", "b"]</c>, each quoted.</summary>
    public static string List(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(v => Quote(v))) + "]";

    /// <summary>An identifier (a component label, an attribute name): a letter or '_', then letters, digits and '_'.</summary>
    public static string Identifier(string value, [CallerArgumentExpression(nameof(value))] string? key = null)
    {
        ArgumentNullException.ThrowIfNull(value);
        var ok = value.Length is > 0 and <= 64 && (char.IsAsciiLetter(value[0]) || value[0] == '_')
                 && value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
        return ok ? value : throw FormatGuard.Refuse("alloy", key, value, "is not an Alloy identifier (letters, digits and '_')");
    }
}
