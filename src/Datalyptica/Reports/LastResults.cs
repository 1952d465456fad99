using System.Text.Json;
using System.Text.RegularExpressions;

namespace Datalyptica.Reports;

/// <summary>
/// The last result of each verb a report shows, kept on the control node in SITE/.datalyptica/last/NAME.json (mode 0600):
/// `verify` (a whole-site verify), `plan` (a plan of every host against the hosts' facts), `apply`, and `drill-NAME`
/// per drill. Each is the verb's own JSON document (the one `--output json` prints, so it holds no secret) with the
/// time it was written. Read back as untrusted data: a report escapes every value it shows.
/// </summary>
public static partial class LastResults
{
    public const string Verify = "verify";
    public const string Plan = "plan";
    public const string Apply = "apply";

    public static string Folder(string siteDirectory) => Path.Combine(siteDirectory, ".datalyptica", "last");

    public static string DrillName(string drill) => IsName(drill) ? "drill-" + drill : throw new ArgumentException($"not a drill name: '{drill}'", nameof(drill));

    /// <summary>Writes the document (any object System.Text.Json serialises) with the time, atomically, readable only by its owner.</summary>
    public static void Save(string siteDirectory, string name, object document, JsonSerializerOptions options, DateTimeOffset? at = null)
    {
        if (!IsName(name)) throw new ArgumentException($"not a result name: '{name}'", nameof(name));
        var element = JsonSerializer.SerializeToElement(document, options);
        var record = new Dictionary<string, object?> { ["savedAt"] = (at ?? DateTimeOffset.UtcNow).ToString("O"), ["result"] = element };
        Directory.CreateDirectory(Folder(siteDirectory));
        IO.AtomicFile.Write(Path.Combine(Folder(siteDirectory), name + ".json"), JsonSerializer.Serialize(record, options), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>A saved result and when it was saved; null when there is none or it does not parse.</summary>
    public static (DateTimeOffset SavedAt, JsonElement Result)? Read(string siteDirectory, string name)
    {
        var path = Path.Combine(Folder(siteDirectory), name + ".json");
        if (!IsName(name) || !File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("savedAt", out var at) || !root.TryGetProperty("result", out var result)
                || !DateTimeOffset.TryParse(at.GetString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.RoundtripKind, out var savedAt))
                return null;
            return (savedAt, result.Clone());
        }
        catch (JsonException) { return null; }
    }

    /// <summary>The drills with a saved result, by name.</summary>
    public static IReadOnlyList<string> Drills(string siteDirectory) =>
        Directory.Exists(Folder(siteDirectory))
            ? Directory.GetFiles(Folder(siteDirectory), "drill-*.json").Select(f => Path.GetFileNameWithoutExtension(f)["drill-".Length..])
                .Where(IsName).Order(StringComparer.Ordinal).ToList()
            : [];

    private static bool IsName(string name) => NamePattern().IsMatch(name);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,63}$")]
    private static partial Regex NamePattern();
}
