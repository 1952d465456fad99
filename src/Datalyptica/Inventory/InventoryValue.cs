using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;

namespace Datalyptica.Inventory;

/// <summary>
/// An immutable inventory variable value with the place it was defined.
/// A value stored under a mapping key is located at its key (that is the line a user looks for);
/// a sequence item or a document root is located at its own first character.
/// </summary>
public abstract class InventoryValue
{
    private protected InventoryValue(SourceLocation location) => Location = location;

    public SourceLocation Location { get; }

    /// <summary>The value as <c>ansible-inventory --list</c> prints it (keys sorted, YAML 1.1 typing applied).</summary>
    public abstract JsonNode? ToJsonNode();

    /// <summary>Used for values created in code rather than read from a file.</summary>
    public static readonly SourceLocation Generated = new("<generated>", 0, 0);

    /// <summary>
    /// Builds a value from plain .NET data: null, bool, integers, floating point, string,
    /// DateOnly, IDictionary (keys become strings), IEnumerable, or an existing InventoryValue.
    /// </summary>
    public static InventoryValue From(object? value, SourceLocation? location = null)
    {
        var at = location ?? Generated;
        return value switch
        {
            null => new InventoryScalar(ScalarKind.Null, null, at),
            InventoryValue existing => existing,
            bool b => new InventoryScalar(ScalarKind.Boolean, b, at),
            string s => new InventoryScalar(ScalarKind.String, s, at),
            int or long or short or byte or sbyte or ushort or uint => new InventoryScalar(ScalarKind.Integer, Convert.ToInt64(value, CultureInfo.InvariantCulture), at),
            ulong u => u <= long.MaxValue ? new InventoryScalar(ScalarKind.Integer, (long)u, at) : new InventoryScalar(ScalarKind.Integer, new BigInteger(u), at),
            BigInteger big => InventoryScalar.Integer(big, at),
            double d => new InventoryScalar(ScalarKind.Float, d, at),
            float f => new InventoryScalar(ScalarKind.Float, (double)f, at),
            decimal m => new InventoryScalar(ScalarKind.Float, (double)m, at),
            DateOnly date => new InventoryScalar(ScalarKind.Timestamp, date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), at),
            IDictionary dict => new InventoryMapping(
                dict.Keys.Cast<object>().Select(k => new KeyValuePair<string, InventoryValue>(
                    Convert.ToString(k, CultureInfo.InvariantCulture) ?? "", From(dict[k], at))).ToList(), at),
            IEnumerable items => new InventorySequence(items.Cast<object?>().Select(i => From(i, at)).ToList(), at),
            _ => throw new ArgumentException($"Cannot represent a {value.GetType().Name} as an inventory value.", nameof(value)),
        };
    }

    /// <summary>Same data (ignores locations); compares the Ansible JSON rendering.</summary>
    public bool SameDataAs(InventoryValue other) => JsonNode.DeepEquals(ToJsonNode(), other.ToJsonNode());

    public override string ToString() => ToJsonNode()?.ToJsonString() ?? "null";
}

public enum ScalarKind
{
    Null,
    Boolean,
    /// <summary>Value is a long, or a BigInteger when it does not fit (Python ints are unbounded).</summary>
    Integer,
    /// <summary>Value is a double.</summary>
    Float,
    String,
    /// <summary>YAML 1.1 date/time; Value is the ISO text Python's isoformat() gives, which is what Ansible prints.</summary>
    Timestamp,
}

public sealed class InventoryScalar : InventoryValue
{
    public InventoryScalar(ScalarKind kind, object? value, SourceLocation location) : base(location)
    {
        Kind = kind;
        Value = value;
    }

    /// <summary>A string tagged <c>!unsafe</c> (Ansible never templates it).</summary>
    public static InventoryScalar UnsafeString(string text, SourceLocation location) =>
        new(ScalarKind.String, text, location) { IsUnsafe = true };

    /// <summary>True for <c>!unsafe</c> strings; ansible-inventory prints them as {"__ansible_unsafe": "..."}.</summary>
    public bool IsUnsafe { get; private init; }

    public ScalarKind Kind { get; }

    /// <summary>null, bool, long, BigInteger, double or string, depending on <see cref="Kind"/>.</summary>
    public object? Value { get; }

    internal static InventoryScalar Integer(BigInteger value, SourceLocation at) =>
        value >= long.MinValue && value <= long.MaxValue
            ? new InventoryScalar(ScalarKind.Integer, (long)value, at)
            : new InventoryScalar(ScalarKind.Integer, value, at);

    /// <summary>The value as a string the way Ansible's templating would see it in simple cases; null stays null.</summary>
    public string? AsString() => Kind switch
    {
        ScalarKind.Null => null,
        ScalarKind.Boolean => (bool)Value! ? "True" : "False",
        ScalarKind.Float => Yaml11.PythonFloatRepr((double)Value!),
        _ => Convert.ToString(Value, CultureInfo.InvariantCulture),
    };

    public override JsonNode? ToJsonNode() => Kind switch
    {
        ScalarKind.Null => null,
        ScalarKind.Boolean => JsonValue.Create((bool)Value!),
        ScalarKind.Integer when Value is long l => JsonValue.Create(l),
        // Parsing the digits keeps the exact text for numbers that do not fit in a long.
        ScalarKind.Integer => JsonNode.Parse(((BigInteger)Value!).ToString(CultureInfo.InvariantCulture)),
        // Python prints non-finite floats as bare Infinity/NaN (not valid JSON); System.Text.Json needs
        // JsonNumberHandling.AllowNamedFloatingPointLiterals to serialize these.
        ScalarKind.Float when !double.IsFinite((double)Value!) => JsonValue.Create((double)Value!),
        // Parsing Python's repr keeps the same digits ansible-inventory prints (e.g. 1.0, 1e+16).
        ScalarKind.Float => JsonNode.Parse(Yaml11.PythonFloatRepr((double)Value!)),
        _ when IsUnsafe => new JsonObject { ["__ansible_unsafe"] = (string)Value! },
        _ => JsonValue.Create((string)Value!),
    };
}

public sealed class InventorySequence : InventoryValue
{
    public InventorySequence(IReadOnlyList<InventoryValue> items, SourceLocation location) : base(location) => Items = items;

    public IReadOnlyList<InventoryValue> Items { get; }

    public override JsonNode ToJsonNode() => new JsonArray(Items.Select(i => i.ToJsonNode()).ToArray());
}

/// <summary>A YAML mapping. Keys are strings (non-string YAML keys are converted the way Python's json module does).</summary>
public sealed class InventoryMapping : InventoryValue
{
    private readonly Dictionary<string, InventoryValue> _byKey;

    public InventoryMapping(IReadOnlyList<KeyValuePair<string, InventoryValue>> entries, SourceLocation location) : base(location)
    {
        // Later duplicates win but keep the first position, like a Python dict.
        _byKey = new Dictionary<string, InventoryValue>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (key, value) in entries)
        {
            if (!_byKey.ContainsKey(key)) order.Add(key);
            _byKey[key] = value;
        }
        Entries = order.Select(k => new KeyValuePair<string, InventoryValue>(k, _byKey[k])).ToList();
    }

    /// <summary>Entries in document order.</summary>
    public IReadOnlyList<KeyValuePair<string, InventoryValue>> Entries { get; }

    public int Count => Entries.Count;

    public InventoryValue? this[string key] => _byKey.GetValueOrDefault(key);

    public bool TryGetValue(string key, out InventoryValue value) => _byKey.TryGetValue(key, out value!);

    public override JsonNode ToJsonNode()
    {
        var result = new JsonObject();
        foreach (var (key, value) in Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
            result[key] = value.ToJsonNode();
        return result;
    }
}

/// <summary>
/// An inline <c>!vault |</c> value. The reader never decrypts these; Ansible decrypts them lazily at use time too.
/// </summary>
public sealed class VaultedValue : InventoryValue
{
    public VaultedValue(string ciphertext, SourceLocation location) : base(location) => Ciphertext = ciphertext;

    /// <summary>The vault text as written in YAML, starting with <c>$ANSIBLE_VAULT;</c>.</summary>
    public string Ciphertext { get; }

    public override JsonNode ToJsonNode() => new JsonObject { ["__ansible_vault"] = Ciphertext };
}
