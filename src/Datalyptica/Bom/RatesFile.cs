using YamlDotNet.RepresentationModel;

namespace Datalyptica.Bom;

/// <summary>Reads a rates file: currency and monthly prices per vCPU, GB of RAM, TB of SSD and TB of object storage.</summary>
public static class RatesFile
{
    public static readonly IReadOnlyList<string> Keys = ["currency", "vcpu_month", "ram_gb_month", "ssd_tb_month", "object_storage_tb_month"];

    public static Rates Read(string path)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(path);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new FormatException($"{path}:{e.Start.Line}: not valid YAML ({e.Message}). Fix: write the rates as 'key: value' lines.");
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet throws this, without a position, for some malformed flow collections (an unclosed '[').
            throw new FormatException($"{path}: not valid YAML (often an unclosed '[' or '{{' or a missing quote). Fix: write the rates as 'key: value' lines.");
        }
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode map)
            throw new FormatException($"{path}: expected a mapping with {string.Join(", ", Keys)}.");
        var values = new Dictionary<string, (string Text, long Line)>();
        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value!;
            if (!Keys.Contains(key))
                throw new FormatException($"{path}:{k.Start.Line}: unknown key '{key}'. Fix: use only {string.Join(", ", Keys)}.");
            values[key] = ((v as YamlScalarNode)?.Value ?? "", v.Start.Line);
        }
        decimal Price(string key)
        {
            if (!values.TryGetValue(key, out var value))
                throw new FormatException($"{path}: missing key '{key}'. Fix: add '{key}: <monthly price>'.");
            if (!decimal.TryParse(value.Text, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out var price) || price < 0)
                throw new FormatException($"{path}:{value.Line}: '{key}: {value.Text}' is not a non-negative number. Fix: write a price such as 12.50.");
            return price;
        }
        return new Rates(values.TryGetValue("currency", out var currency) ? currency.Text : "USD", Price("vcpu_month"), Price("ram_gb_month"),
            Price("ssd_tb_month"), Price("object_storage_tb_month"));
    }
}
