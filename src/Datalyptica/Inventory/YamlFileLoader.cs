using System.Globalization;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Datalyptica.Inventory;

/// <summary>
/// Turns YAML text into an <see cref="InventoryValue"/> tree the way Ansible's loader does:
/// JSON is tried first (Ansible parses a file as JSON when it can), then YAML 1.1 with PyYAML typing,
/// merge keys (&lt;&lt;), anchors, and Ansible's <c>!vault</c> / <c>!unsafe</c> tags.
/// YamlDotNet is used only as a tokenizer/parser; typing is ours because YamlDotNet follows YAML 1.2.
/// </summary>
internal sealed class YamlFileLoader
{
    /// <summary>
    /// The most nodes one file may hold once its aliases are expanded (a billion-laughs file, a few hundred bytes, would
    /// expand to 10^9). Aliases share the anchored value here, but every reader after the loader (merging, the model, JSON)
    /// walks the expanded tree, so the count is what they would see. A generated 10,000-host hosts.yml holds about 100,000;
    /// 250,000 nodes load in well under a second and 100 MB.
    /// </summary>
    public const int MaxNodes = 250_000;

    /// <summary>The deepest nesting of lists and mappings one file may hold (the loader reads nested values recursively).</summary>
    public const int MaxDepth = 100;

    private readonly string _file;
    private readonly bool _jsonMode;
    private readonly Dictionary<string, InventoryValue> _anchors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _anchorSizes = new(StringComparer.Ordinal);
    private long _nodes;
    private int _depth;
    private Mark _lastGoodMark = Mark.Empty;

    private YamlFileLoader(string file, bool jsonMode)
    {
        _file = file;
        _jsonMode = jsonMode;
    }

    /// <summary>Returns null for an empty document (Ansible treats that as "no data").</summary>
    public static InventoryValue? Load(string text, string file)
    {
        var loader = new YamlFileLoader(file, LooksLikeJson(text));
        var parser = new Parser(new StringReader(text));
        try
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _)) return null;
            parser.Consume<DocumentStart>();
            var root = loader.ReadNode(parser, null);
            parser.Consume<DocumentEnd>();
            if (parser.Current is DocumentStart extra)
                throw new InventoryException(loader.At(extra.Start),
                    "found a second YAML document ('---'); an inventory or vars file must contain exactly one document. Remove the extra '---' section.");
            return root is InventoryScalar { Kind: ScalarKind.Null } ? null : root;
        }
        catch (YamlException e)
        {
            throw new InventoryException(loader.At(e.Start),
                $"invalid YAML: {e.Message.Trim()} Fix the syntax (indentation, quoting, ':' spacing) at or just before this line.", e);
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this (without a position) for some malformed flow collections,
            // so report the last position that parsed cleanly.
            throw new InventoryException(loader.At(loader._lastGoodMark),
                $"invalid YAML after this point (often an unclosed '[' or '{{' or a missing quote). Fix the syntax at or just after this line.", e);
        }
    }

    private static bool LooksLikeJson(string text)
    {
        var trimmed = text.TrimStart();
        if (!(trimmed.StartsWith('{') || trimmed.StartsWith('['))) return false;
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private SourceLocation At(Mark mark) => new(_file, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column));

    /// <param name="keyLocation">Location of the mapping key this value belongs to, if any.</param>
    private InventoryValue ReadNode(IParser parser, SourceLocation? keyLocation)
    {
        var evt = parser.Current ?? throw new InventoryException(new SourceLocation(_file, 1, 1), "unexpected end of YAML");
        var at = keyLocation ?? At(evt.Start);
        _lastGoodMark = evt.Start;
        InventoryValue result;
        string? anchor = null;
        var before = _nodes;
        switch (evt)
        {
            case AnchorAlias alias:
                parser.MoveNext();
                if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                    throw new InventoryException(At(alias.Start), $"alias '*{alias.Value}' refers to an anchor that is not defined before it. Define '&{alias.Value}' first.");
                Count(_anchorSizes[alias.Value.Value], alias.Start);
                return target;
            case Scalar scalar:
                Count(1, scalar.Start);
                parser.MoveNext();
                anchor = scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value;
                result = ConvertScalar(scalar, at);
                break;
            case SequenceStart seq:
                Count(1, seq.Start);
                Enter(seq.Start);
                parser.MoveNext();
                anchor = seq.Anchor.IsEmpty ? null : seq.Anchor.Value;
                var items = new List<InventoryValue>();
                while (!parser.TryConsume<SequenceEnd>(out _)) items.Add(ReadNode(parser, null));
                result = new InventorySequence(items, at);
                _depth--;
                break;
            case MappingStart map:
                Count(1, map.Start);
                Enter(map.Start);
                parser.MoveNext();
                anchor = map.Anchor.IsEmpty ? null : map.Anchor.Value;
                result = ReadMapping(parser, at);
                _depth--;
                break;
            default:
                throw new InventoryException(At(evt.Start), $"unexpected YAML event {evt.GetType().Name}");
        }
        if (anchor != null)
        {
            _anchors[anchor] = result;
            _anchorSizes[anchor] = _nodes - before;
        }
        return result;
    }

    /// <summary>Counts <paramref name="nodes"/> more (an alias counts as the whole value it repeats); refuses past <see cref="MaxNodes"/>.</summary>
    private void Count(long nodes, Mark at)
    {
        _nodes += nodes;
        if (_nodes > MaxNodes)
            throw new InventoryException(InventoryRefusal.YamlTooLarge, At(at),
                $"this file holds more than {MaxNodes.ToString("N0", CultureInfo.InvariantCulture)} YAML nodes, each alias (*name) counted as the whole value it repeats " +
                "(a 'billion laughs' file expands to billions this way); it was not read further. Write the values out, or split the file.");
    }

    private void Enter(Mark at)
    {
        if (++_depth > MaxDepth)
            throw new InventoryException(InventoryRefusal.YamlTooLarge, At(at),
                $"lists and mappings are nested more than {MaxDepth} deep here; it was not read further. Flatten the value.");
    }

    private InventoryMapping ReadMapping(IParser parser, SourceLocation at)
    {
        var own = new List<KeyValuePair<string, InventoryValue>>();
        var merged = new List<KeyValuePair<string, InventoryValue>>();
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var keyEvent = parser.Current!;
            var keyLocation = At(keyEvent.Start);
            if (keyEvent is Scalar { Style: ScalarStyle.Plain, Value: "<<" } && keyEvent is Scalar { Tag.IsEmpty: true } && !_jsonMode)
            {
                parser.MoveNext();
                merged.InsertRange(0, MergeSources(ReadNode(parser, keyLocation), keyLocation));
                continue;
            }
            var key = ReadNode(parser, null);
            var keyText = key switch
            {
                InventoryScalar s => JsonKey(s),
                _ => throw new InventoryException(keyLocation, "a mapping key must be a plain value, not a list or mapping. Rewrite the key as a string."),
            };
            own.Add(new(keyText, ReadNode(parser, keyLocation)));
        }
        // Explicit keys win over merged ones, and earlier merge sources win over later ones (PyYAML flatten_mapping).
        return new InventoryMapping(merged.Concat(own).ToList(), at);
    }

    private static IEnumerable<KeyValuePair<string, InventoryValue>> MergeSources(InventoryValue source, SourceLocation at) => source switch
    {
        InventoryMapping m => m.Entries,
        InventorySequence s => s.Items.Reverse().SelectMany(i => i is InventoryMapping m
            ? m.Entries
            : throw new InventoryException(at, "a '<<' merge list may only contain mappings. Put only '*anchor' references to mappings in it.")),
        _ => throw new InventoryException(at, "the value of a '<<' merge key must be a mapping or a list of mappings."),
    };

    /// <summary>Python's json module turns non-string dict keys into text this way.</summary>
    private static string JsonKey(InventoryScalar key) => key.Kind switch
    {
        ScalarKind.Null => "null",
        ScalarKind.Boolean => (bool)key.Value! ? "true" : "false",
        ScalarKind.Float => Yaml11.PythonFloatRepr((double)key.Value!),
        _ => Convert.ToString(key.Value, CultureInfo.InvariantCulture)!,
    };

    private InventoryValue ConvertScalar(Scalar scalar, SourceLocation at)
    {
        var text = scalar.Value;
        var tag = scalar.Tag.IsEmpty ? null : scalar.Tag.Value;
        try
        {
            switch (tag)
            {
                case "!vault" or "!vault-encrypted":
                    return new VaultedValue(text, at);
                case "!unsafe":
                    return InventoryScalar.UnsafeString(text, at);
                case "tag:yaml.org,2002:str" or "!":
                    return new InventoryScalar(ScalarKind.String, text, at);
                case "tag:yaml.org,2002:int":
                    return Yaml11.ConstructInt(text, at);
                case "tag:yaml.org,2002:float":
                    return Yaml11.ConstructFloat(text, at);
                case "tag:yaml.org,2002:bool":
                    return Yaml11.ConstructBool(text, at);
                case "tag:yaml.org,2002:null":
                    return new InventoryScalar(ScalarKind.Null, null, at);
                case "tag:yaml.org,2002:timestamp":
                    return Yaml11.ConstructTimestamp(text, at);
                case null:
                    break;
                default:
                    throw new InventoryException(At(scalar.Start), $"unsupported YAML tag '{tag}'. Remove the tag or use !vault, !unsafe or a standard !!str/!!int/!!float/!!bool tag.");
            }
            if (scalar.Style != ScalarStyle.Plain) return new InventoryScalar(ScalarKind.String, text, at);
            return _jsonMode ? ResolveJsonLiteral(text, at) : Yaml11.ResolvePlain(text, at);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            throw new InventoryException(At(scalar.Start), $"'{text}' cannot be read as {tag ?? "a YAML 1.1 value"}: {e.Message}. Quote it to keep it as a string.", e);
        }
    }

    private static InventoryScalar ResolveJsonLiteral(string text, SourceLocation at) => text switch
    {
        "null" => new InventoryScalar(ScalarKind.Null, null, at),
        "true" => new InventoryScalar(ScalarKind.Boolean, true, at),
        "false" => new InventoryScalar(ScalarKind.Boolean, false, at),
        _ when text.IndexOfAny(['.', 'e', 'E']) >= 0 => new InventoryScalar(ScalarKind.Float, double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture), at),
        _ => InventoryScalar.Integer(System.Numerics.BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), at),
    };
}
