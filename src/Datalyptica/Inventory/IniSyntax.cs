using System.Globalization;
using System.Numerics;
using System.Text;

namespace Datalyptica.Inventory;

/// <summary>
/// The two pieces of Python an Ansible INI inventory line goes through (ansible-core's plugins/inventory/ini.py):
/// <c>shlex.split(line, comments=True)</c> for host lines, and <c>ast.literal_eval</c> for every value, which turns
/// <c>22</c>, <c>1.5</c>, <c>True</c>, <c>'text'</c>, <c>[1, 2]</c> and <c>{'a': 1}</c> into typed values and leaves
/// anything it cannot read (<c>yes</c>, <c>/srv/data</c>) a string, exactly as written.
/// </summary>
public static class IniSyntax
{
    /// <summary>
    /// Python's <c>shlex.split(s, comments=True)</c> in POSIX mode: whitespace separates words, single quotes keep
    /// everything, double quotes let a backslash escape only '\' and '"', a backslash outside quotes escapes any
    /// character, and '#' outside quotes ends the line (also in the middle of a word).
    /// </summary>
    public static IReadOnlyList<string> ShlexSplit(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord) { words.Add(word.ToString()); word.Clear(); inWord = false; }
                continue;
            }
            if (c == '#') break;
            inWord = true;
            if (c == '\\')
            {
                if (++i < line.Length) word.Append(line[i]);
                continue;
            }
            if (c is '\'' or '"')
            {
                var quote = c;
                for (i++; ; i++)
                {
                    if (i >= line.Length) throw new FormatException("No closing quotation");
                    if (line[i] == quote) break;
                    if (quote == '"' && line[i] == '\\' && i + 1 < line.Length && line[i + 1] is '\\' or '"') i++;
                    word.Append(line[i]);
                }
                continue;
            }
            word.Append(c);
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }

    /// <summary>The value <c>ast.literal_eval(text)</c> gives, or the text itself when Python would not read it as a literal.</summary>
    public static InventoryValue Value(string text, SourceLocation at)
    {
        try
        {
            var parser = new LiteralParser(text, at);
            var value = parser.ParseExpression();
            parser.SkipSpaceAndComment();
            if (!parser.AtEnd) throw new FormatException("trailing text");
            return value;
        }
        catch (FormatException)
        {
            return new InventoryScalar(ScalarKind.String, text, at);
        }
    }

    /// <summary>A recursive-descent reader of the Python literal grammar literal_eval accepts (no complex numbers, no bytes).</summary>
    private sealed class LiteralParser(string text, SourceLocation at)
    {
        private int _i;

        public bool AtEnd => _i >= text.Length;

        public void SkipSpaceAndComment()
        {
            while (_i < text.Length)
            {
                if (char.IsWhiteSpace(text[_i])) _i++;
                else if (text[_i] == '#') _i = text.Length;
                else break;
            }
        }

        public InventoryValue ParseExpression()
        {
            SkipSpaceAndComment();
            if (AtEnd) throw new FormatException("empty");
            var c = text[_i];
            if (c is '[' or '(') return Sequence(c == '[' ? ']' : ')');
            if (c == '{') return Braces();
            if (c is '\'' or '"') return StringLiterals();
            if (c is '+' or '-' || char.IsAsciiDigit(c) || c == '.') return Number();
            var name = Name();
            return name switch
            {
                "True" => new InventoryScalar(ScalarKind.Boolean, true, at),
                "False" => new InventoryScalar(ScalarKind.Boolean, false, at),
                "None" => new InventoryScalar(ScalarKind.Null, null, at),
                _ => throw new FormatException("not a literal"),
            };
        }

        private string Name()
        {
            var start = _i;
            while (_i < text.Length && (char.IsLetterOrDigit(text[_i]) || text[_i] == '_')) _i++;
            return text[start.._i];
        }

        private InventoryValue Sequence(char close)
        {
            _i++;
            var items = new List<InventoryValue>();
            var sawComma = false;
            while (true)
            {
                SkipSpaceAndComment();
                if (AtEnd) throw new FormatException("unclosed");
                if (text[_i] == close) { _i++; break; }
                items.Add(ParseExpression());
                SkipSpaceAndComment();
                if (AtEnd) throw new FormatException("unclosed");
                if (text[_i] == ',') { _i++; sawComma = true; continue; }
                if (text[_i] != close) throw new FormatException("expected a comma");
            }
            // "(1)" is just 1 in Python; "(1,)" and "()" are tuples (Ansible turns tuples into lists).
            if (close == ')' && items.Count == 1 && !sawComma) return items[0];
            return new InventorySequence(items, at);
        }

        private InventoryValue Braces()
        {
            _i++;
            var entries = new List<KeyValuePair<string, InventoryValue>>();
            var set = new List<InventoryValue>();
            while (true)
            {
                SkipSpaceAndComment();
                if (AtEnd) throw new FormatException("unclosed");
                if (text[_i] == '}') { _i++; break; }
                var key = ParseExpression();
                SkipSpaceAndComment();
                if (!AtEnd && text[_i] == ':')
                {
                    if (set.Count > 0) throw new FormatException("mixed set and dict");
                    _i++;
                    // JSON (and Ansible's output) keys are strings; a dict keyed by numbers is left to the raw text.
                    if (key is not InventoryScalar { Kind: ScalarKind.String, Value: string name }) throw new FormatException("non-string key");
                    entries.Add(new(name, ParseExpression()));
                }
                else
                {
                    if (entries.Count > 0) throw new FormatException("mixed set and dict");
                    set.Add(key);
                }
                SkipSpaceAndComment();
                if (AtEnd) throw new FormatException("unclosed");
                if (text[_i] == ',') { _i++; continue; }
                if (text[_i] != '}') throw new FormatException("expected a comma");
            }
            return set.Count > 0 ? new InventorySequence(set, at) : new InventoryMapping(entries, at);
        }

        private InventoryValue StringLiterals()
        {
            // Adjacent literals concatenate: 'a' "b" is "ab".
            var sb = new StringBuilder();
            do
            {
                var quote = text[_i++];
                var triple = _i + 1 < text.Length && text[_i] == quote && text[_i + 1] == quote;
                if (triple) _i += 2;
                while (true)
                {
                    if (AtEnd) throw new FormatException("unclosed string");
                    var c = text[_i++];
                    if (c == quote && (!triple || (_i + 1 < text.Length && text[_i] == quote && text[_i + 1] == quote)))
                    {
                        if (triple) _i += 2;
                        break;
                    }
                    if (c == '\\' && !AtEnd) sb.Append(Escape(text[_i++]));
                    else sb.Append(c);
                }
                SkipSpaceAndComment();
            } while (!AtEnd && text[_i] is '\'' or '"');
            return new InventoryScalar(ScalarKind.String, sb.ToString(), at);
        }

        private static string Escape(char c) => c switch
        {
            'n' => "\n", 't' => "\t", 'r' => "\r", '0' => "\0", '\\' => "\\", '\'' => "'", '"' => "\"", 'a' => "\a", 'b' => "\b", 'f' => "\f", 'v' => "\v",
            _ => "\\" + c,
        };

        private InventoryValue Number()
        {
            var negative = false;
            while (!AtEnd && text[_i] is '+' or '-') { if (text[_i] == '-') negative = !negative; _i++; SkipSpaceAndComment(); }
            var start = _i;
            while (_i < text.Length && (char.IsAsciiLetterOrDigit(text[_i]) || text[_i] is '_' or '.' || (text[_i] is '+' or '-' && text[_i - 1] is 'e' or 'E')))
                _i++;
            var token = text[start.._i].Replace("_", "");
            if (token.Length == 0) throw new FormatException("no number");
            if (token.Length > 2 && token[0] == '0' && char.ToLowerInvariant(token[1]) is 'x' or 'o' or 'b')
            {
                var radix = char.ToLowerInvariant(token[1]) switch { 'x' => 16, 'o' => 8, _ => 2 };
                BigInteger value = 0;
                foreach (var digit in token[2..])
                {
                    var d = Convert.ToInt32(digit.ToString(), 16);
                    if (d >= radix) throw new FormatException("digit out of range");
                    value = value * radix + d;
                }
                return InventoryScalar.Integer(negative ? -value : value, at);
            }
            if (token.All(char.IsAsciiDigit))
            {
                // Python 3 refuses leading zeros in a non-zero decimal ("010" is a syntax error, so it stays a string).
                if (token.Length > 1 && token[0] == '0' && token.Any(d => d != '0')) throw new FormatException("leading zero");
                var value = BigInteger.Parse(token, CultureInfo.InvariantCulture);
                return InventoryScalar.Integer(negative ? -value : value, at);
            }
            if (token.Any(ch => char.IsAsciiLetter(ch) && ch is not ('e' or 'E')) ||
                !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                throw new FormatException("not a number");
            return new InventoryScalar(ScalarKind.Float, negative ? -number : number, at);
        }
    }
}
