using System.Globalization;
using System.Net;
using Datalyptica.Model;

namespace Datalyptica.Contracts.Health;

/// <summary>Helpers probes share: parallel per-host checks, /metrics scrapes and Prometheus text parsing.</summary>
public static class ProbeKit
{
    /// <summary>Runs per-host checks for every host in parallel and flattens the results.</summary>
    public static async Task<List<HealthCheck>> PerHostAsync(ProbeContext context, IEnumerable<Host> hosts,
        Func<Host, IEnumerable<Task<HealthCheck>>> checks)
    {
        var all = await Task.WhenAll(hosts.SelectMany(checks));
        return [.. all];
    }

    /// <summary>An HTTP endpoint of the host's own service, reached through the host.</summary>
    public static Task<IPEndPoint> EndpointAsync(IProbeAccess access, Host host, PortSpec port, CancellationToken cancellation) =>
        access.EndpointAsync(host.Address.ToString(), host.Port(port), cancellation);

    /// <summary>GET /metrics answers 200 with Prometheus text; when <paramref name="upMetric"/> is given it must be 1 (the exporter reaches its service).</summary>
    public static Task<HealthCheck> MetricsAsync(ProbeContext context, Host host, string check, PortSpec port, string? upMetric, CancellationToken cancellation) =>
        context.CheckAsync(host, check, async (access, ct) =>
        {
            var answer = await ProbeClients.GetAsync(await EndpointAsync(access, host, port, ct), "/metrics", ct);
            if (answer.Status != 200) return ProbeOutcome.Fail($"GET :{host.Port(port)}/metrics answered {answer.Status}");
            var series = answer.Body.Split('\n').Count(l => l.Length > 0 && l[0] != '#');
            if (upMetric is null) return ProbeOutcome.When(series > 0, $"{series} series on :{host.Port(port)}/metrics");
            var up = PrometheusText.Values(answer.Body, upMetric).Select(v => v.Value).DefaultIfEmpty(double.NaN).First();
            return ProbeOutcome.When(up == 1, $"{upMetric} = {up.ToString(CultureInfo.InvariantCulture)} ({series} series on :{host.Port(port)}/metrics)");
        }, cancellation);

    /// <summary>GET PATH answers 200 (Prometheus' /-/healthy, /-/ready, ...).</summary>
    public static Task<HealthCheck> Http200Async(ProbeContext context, Host host, string check, PortSpec port, string path, CancellationToken cancellation) =>
        context.CheckAsync(host, check, async (access, ct) =>
        {
            var answer = await ProbeClients.GetAsync(await EndpointAsync(access, host, port, ct), path, ct);
            return ProbeOutcome.When(answer.Status == 200, $"GET :{host.Port(port)}{path} → {answer.Status} {Short(answer.Body)}");
        }, cancellation);

    /// <summary>
    /// GET PATH on the host's own PORT, judged by <paramref name="judge"/> (a pure function of status and body, so each
    /// component's judgement is tested with fixture answers).
    /// </summary>
    public static Task<HealthCheck> HttpAsync(ProbeContext context, Host host, string check, PortSpec port, string path,
        Func<int, string, ProbeOutcome> judge, CancellationToken cancellation) =>
        context.CheckAsync(host, check, async (access, ct) =>
        {
            var answer = await ProbeClients.GetAsync(await EndpointAsync(access, host, port, ct), path, ct);
            var outcome = judge(answer.Status, answer.Body);
            return outcome with { Detail = $"GET :{host.Port(port)}{path} → {answer.Status}: {outcome.Detail}" };
        }, cancellation);

    /// <summary>Judges a JSON answer; an answer that is not the JSON expected (garbage, an HTML error page) fails with its start.</summary>
    public static ProbeOutcome Json(string body, Func<System.Text.Json.JsonElement, ProbeOutcome> judge)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(body);
            return judge(doc.RootElement);
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return ProbeOutcome.Fail($"not the expected JSON: {Short(body)}");
        }
    }

    /// <summary>A string property of a JSON object, or null when absent or not a string.</summary>
    public static string? Text(System.Text.Json.JsonElement element, string name) =>
        element.ValueKind == System.Text.Json.JsonValueKind.Object && element.TryGetProperty(name, out var value) &&
        value.ValueKind == System.Text.Json.JsonValueKind.String ? value.GetString() : null;

    /// <summary>The port accepts a TCP connection (for RPC ports that speak no protocol a probe can use).</summary>
    public static Task<HealthCheck> ListeningAsync(ProbeContext context, Host host, string check, PortSpec port, CancellationToken cancellation) =>
        context.CheckAsync(host, check, async (access, ct) =>
        {
            await ProbeClients.ConnectAsync(await EndpointAsync(access, host, port, ct), ct);
            return ProbeOutcome.Ok($"accepts connections on :{host.Port(port)}");
        }, cancellation);

    /// <summary>A health endpoint whose whole answer is one word: healthy on 200 with exactly that body (whitespace aside).</summary>
    public static ProbeOutcome OkWithBody(int status, string body, string expected) =>
        ProbeOutcome.When(status == 200 && body.Trim() == expected, Short(body));

    public static string Short(string text, int max = 60)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= max ? line : line[..max] + "…";
    }

    /// <summary>The end of a long error (Go errors put the reason last: "...: connect: connection refused").</summary>
    public static string Tail(string text, int max)
    {
        var line = text.ReplaceLineEndings(" ").Trim();
        return line.Length <= max ? line : "…" + line[^max..];
    }

    /// <summary>Majority of a configured member count.</summary>
    public static int Majority(int members) => members / 2 + 1;
}

/// <summary>Reads Prometheus text exposition: the value of every sample of a metric, with its label text.</summary>
public static class PrometheusText
{
    public static IReadOnlyList<(string Labels, double Value)> Values(string text, string metric)
    {
        var result = new List<(string, double)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#' || !line.StartsWith(metric, StringComparison.Ordinal)) continue;
            var rest = line[metric.Length..];
            string labels = "";
            if (rest.StartsWith('{'))
            {
                var close = rest.LastIndexOf('}');
                if (close < 0) continue;
                labels = rest[1..close];
                rest = rest[(close + 1)..];
            }
            else if (rest.Length > 0 && rest[0] != ' ') continue; // a longer metric name with this prefix
            var parts = rest.Trim().Split(' ');
            if (double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) result.Add((labels, value));
        }
        return result;
    }

    /// <summary>The value of one label in a label text such as <c>Local="a",Remote="b"</c>.</summary>
    public static string? Label(string labels, string name)
    {
        var key = name + "=\"";
        var start = labels.IndexOf(key, StringComparison.Ordinal);
        if (start < 0) return null;
        start += key.Length;
        var end = labels.IndexOf('"', start);
        return end < 0 ? null : labels[start..end];
    }
}
