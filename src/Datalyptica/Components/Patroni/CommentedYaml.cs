using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Datalyptica.Components.Patroni;

/// <summary>
/// A YAML document built from top-level keys, each with the comment an expert would put above it.
/// Strings that a YAML 1.1 reader would take for something else (PyYAML reads <c>on</c> as True, Go's yaml reads
/// <c>1</c> as a number) are single-quoted, so Patroni and etcd get exactly the string that was meant.
/// </summary>
internal sealed partial class CommentedYaml(string header)
{
    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithIndentedSequences()
        .DisableAliases()
        .WithTypeConverter(new QuoteAmbiguousStrings())
        .Build();

    private readonly StringBuilder _sb = new StringBuilder("# ").Append(header.Replace("\n", "\n# ")).Append('\n');

    public CommentedYaml Add(string key, object value, string? comment = null)
    {
        _sb.Append('\n');
        if (comment is not null)
            foreach (var line in comment.Split('\n')) _sb.Append("# ").Append(line).Append('\n');
        _sb.Append(Serializer.Serialize(new Dictionary<string, object> { [key] = value }));
        return this;
    }

    /// <summary>Every entry of <paramref name="values"/> as a top-level key, in order, without comments.</summary>
    public CommentedYaml AddAll(IReadOnlyDictionary<string, object> values)
    {
        foreach (var (key, value) in values) Add(key, value);
        return this;
    }

    public override string ToString() => _sb.ToString();

    [GeneratedRegex(@"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?(?:\d[\d_]*)?\.?\d+(?:[eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o?[0-7]+|\d+:[0-5]?\d(?::[0-5]?\d)*)$")]
    private static partial Regex Ambiguous();

    private sealed class QuoteAmbiguousStrings : IYamlTypeConverter
    {
        public bool Accepts(Type type) => type == typeof(string);

        public object? ReadYaml(IParser parser, Type type, ObjectDeserializer rootDeserializer) =>
            throw new NotSupportedException();

        public void WriteYaml(IEmitter emitter, object? value, Type type, ObjectSerializer serializer)
        {
            var s = (string)value!;
            emitter.Emit(new Scalar(null, null, s, Ambiguous().IsMatch(s) || s.Length == 0 ? ScalarStyle.SingleQuoted : ScalarStyle.Any, true, true));
        }
    }
}
