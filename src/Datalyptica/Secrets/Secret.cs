using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Datalyptica.Secrets;

/// <summary>
/// A sensitive string (password, token, private key) that cannot be printed or logged by accident.
/// <c>ToString()</c>, string interpolation, the debugger and System.Text.Json all show <c>***</c>;
/// the value is reachable only through <see cref="Reveal"/>, so every use of it can be found by grepping.
/// </summary>
/// <remarks>
/// There are no implicit conversions and no public properties (so reflection-based serializers such as
/// YamlDotNet see an empty object). Equality is by value; <see cref="GetHashCode"/> is constant so it
/// cannot leak anything about the value.
/// </remarks>
[DebuggerDisplay("***")]
[JsonConverter(typeof(SecretJsonConverter))]
public sealed class Secret : IEquatable<Secret>
{
    /// <summary>What every non-revealing rendering of a secret prints.</summary>
    public const string Mask = "***";

    [DebuggerBrowsable(DebuggerBrowsableState.Never)]
    private readonly string _value;

    public Secret(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _value = value;
    }

    /// <summary>Returns the sensitive value. Call only where the plain value is really needed.</summary>
    public string Reveal() => _value;

    public override string ToString() => Mask;

    public bool Equals(Secret? other)
    {
        if (other is null) return false;
        if (ReferenceEquals(this, other)) return true;
        if (_value.Length != other._value.Length) return false;
        return CryptographicOperations.FixedTimeEquals(
            MemoryMarshal.AsBytes(_value.AsSpan()), MemoryMarshal.AsBytes(other._value.AsSpan()));
    }

    public override bool Equals(object? obj) => obj is Secret other && Equals(other);

    /// <summary>Constant on purpose: a hash of the value would leak information about it.</summary>
    public override int GetHashCode() => 0x5EC2E7;

    public static bool operator ==(Secret? left, Secret? right) => left is null ? right is null : left.Equals(right);

    public static bool operator !=(Secret? left, Secret? right) => !(left == right);
}

/// <summary>
/// Writes every <see cref="Secret"/> as the JSON string <c>"***"</c>. Reading is refused: a masked
/// value read back would silently become the password "***".
/// </summary>
public sealed class SecretJsonConverter : JsonConverter<Secret>
{
    public override Secret Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new JsonException("Secret values are never read from JSON.");

    public override void Write(Utf8JsonWriter writer, Secret value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Secret.Mask);
}
