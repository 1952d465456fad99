using System.Text.Json;

namespace Datalyptica.Tests.StandIns;

/// <summary>What a stand-in log line records.</summary>
public enum StandInEvent
{
    /// <summary>A start: the program ran (<see cref="StandInRecord.Mode"/> service, command or java), with argv and checks.</summary>
    Start,
    /// <summary>A service listens (<see cref="StandInRecord.Listening"/>).</summary>
    Listening,
    /// <summary>A service answered an HTTP request (<see cref="StandInRecord.Request"/>: method and path).</summary>
    Request,
    /// <summary>A service stopped on SIGTERM.</summary>
    Stopped,
}

/// <summary>
/// One line of <c>/var/log/datalyptica/COMPONENT/stand-in-ARTIFACT.jsonl</c> (written by standin.py). <see cref="Failed"/> is the
/// check that made the start exit 78; <see cref="Json"/> is the whole line.
/// </summary>
public sealed record StandInRecord(StandInEvent Event, string Artifact, string Version, string Mode, IReadOnlyList<string> Argv,
    string? Cwd, string? User, string? Hostname, string? Host, string? Unit, string? Request, IReadOnlyList<string> Listening,
    string? Failed, string Time, int Pid, JsonElement Json)
{
    /// <summary>The recorded value of an environment variable (never a secret-named one: those are in <see cref="SecretVariables"/>, names only).</summary>
    public string? Environment(string name) =>
        Json.TryGetProperty("environment", out var env) && env.TryGetProperty(name, out var v) ? v.GetString() : null;

    public IReadOnlyList<string> SecretVariables =>
        Json.TryGetProperty("secretVariables", out var s) ? s.EnumerateArray().Select(e => e.GetString()!).ToList() : [];

    /// <summary>argv without the program (what the program was asked to do: <c>format -t ID -c FILE</c>, <c>db migrate</c>).</summary>
    public IReadOnlyList<string> Arguments => Argv.Count > 0 ? Argv.Skip(1).ToList() : [];
}

/// <summary>Reads stand-in logs (one JSON object per line), in the order they were written.</summary>
public static class StandInLog
{
    /// <summary>Where a host's stand-ins log: each in its component's log folder (the unit may write only there), one file per artifact.</summary>
    public const string HostFiles = "/var/log/datalyptica/*/stand-in-*.jsonl";

    /// <summary>The records of a .jsonl file, or of every *.jsonl file of a folder (each file's lines in order, files by name).</summary>
    public static IReadOnlyList<StandInRecord> Read(string fileOrDirectory) =>
        System.IO.Directory.Exists(fileOrDirectory)
            ? System.IO.Directory.GetFiles(fileOrDirectory, "*.jsonl").Order(StringComparer.Ordinal).SelectMany(f => Parse(File.ReadAllText(f))).ToList()
            : File.Exists(fileOrDirectory) ? Parse(File.ReadAllText(fileOrDirectory)) : [];

    /// <summary>The records of jsonl text (e.g. read over SSH with <c>cat /var/log/datalyptica/*/stand-in-*.jsonl</c>). Blank lines are skipped.</summary>
    public static IReadOnlyList<StandInRecord> Parse(string jsonl)
    {
        var records = new List<StandInRecord>();
        foreach (var line in jsonl.Split('\n'))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var json = JsonDocument.Parse(line).RootElement.Clone();
            string? S(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            List<string> L(string name) => json.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
                ? v.EnumerateArray().Select(e => e.GetString() ?? "").ToList() : [];
            var failed = json.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Object && checks.TryGetProperty("failed", out var f) ? f.GetString() : null;
            var kind = S("request") is not null ? StandInEvent.Request
                : json.TryGetProperty("listening", out _) ? StandInEvent.Listening
                : json.TryGetProperty("stopped", out _) ? StandInEvent.Stopped
                : StandInEvent.Start;
            if (!json.TryGetProperty("standIn", out var standIn) || standIn.ValueKind != JsonValueKind.True)
                throw new InvalidDataException($"not a stand-in log line (no \"standIn\": true): {line}");
            records.Add(new StandInRecord(kind, S("artifact") ?? "", S("version") ?? "", S("mode") ?? "", L("argv"), S("cwd"), S("user"),
                S("hostname"), S("host"), S("unit"), S("request"), L("listening"), failed, S("time") ?? "",
                json.TryGetProperty("pid", out var pid) ? pid.GetInt32() : 0, json));
        }
        return records;
    }
}
