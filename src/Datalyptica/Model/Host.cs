using System.Net;
using Datalyptica.Diagnostics;

namespace Datalyptica.Model;

/// <summary>A local disk of a host. Size in GB (1 TB = 1000 GB, as disks are sold).</summary>
public sealed record Disk(string Mount, int SizeGb, string Kind = "ssd");

/// <summary>
/// An inventory value with the place it was set, so findings can name file and line. A sensitive setting
/// (read from a vault-encrypted file) prints and serialises as *** so the model never shows it by accident.
/// </summary>
[System.Text.Json.Serialization.JsonConverter(typeof(SettingJsonConverter))]
public sealed record Setting(object? Value, SourceRef? Source)
{
    public bool Sensitive { get; init; }

    public override string ToString() =>
        $"Setting {{ Value = {(Sensitive ? Secrets.Secret.Mask : AsString())}, Source = {Source} }}";

    public string? AsString() => Value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => Value.ToString(),
    };
}

/// <summary>
/// One VM of the site: where it is, how big it is, its tier and the role groups it is in.
/// <see cref="Vars"/> are its merged inventory variables (Ansible precedence already applied).
/// </summary>
public sealed record Host(
    string Name,
    IPAddress Address,
    Tier Tier,
    int VCpu,
    int RamGb,
    IReadOnlyList<Disk> Disks,
    IReadOnlyList<string> RoleGroups)
{
    public string? Rack { get; init; }
    /// <summary>The DNS name <see cref="Address"/> was resolved from (ansible_host or the host's own name); null for an IP address.</summary>
    public string? AddressName { get; init; }
    public SourceRef? Source { get; init; }
    public IReadOnlyDictionary<string, Setting> Vars { get; init; } = new Dictionary<string, Setting>();

    public int DiskGb => Disks.Sum(d => d.SizeGb);

    // Roles, Has, Port and Needs depend on the component catalog: they are extension members in
    // Components/CatalogModelExtensions.cs, so the model knows no catalog.
}

internal sealed class SettingJsonConverter : System.Text.Json.Serialization.JsonConverter<Setting>
{
    public override Setting Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        throw new NotSupportedException("settings are read from inventories, not JSON");

    public override void Write(System.Text.Json.Utf8JsonWriter writer, Setting value, System.Text.Json.JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("value");
        if (value.Sensitive) writer.WriteStringValue(Secrets.Secret.Mask);
        else System.Text.Json.JsonSerializer.Serialize(writer, value.Value, options);
        writer.WritePropertyName("source");
        writer.WriteStringValue(value.Source?.ToString());
        writer.WriteEndObject();
    }
}
