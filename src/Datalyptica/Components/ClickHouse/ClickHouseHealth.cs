using Datalyptica.Contracts;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Components.ClickHouse;

/// <summary>
/// ClickHouse: GET /ping on the HTTP interface answers "Ok." (clickhouse.com/docs/interfaces/http: "In health-check scripts
/// use GET /ping"); ClickHouse Keeper answers the four-letter word ruok with imok on its client port (Keeper guide,
/// four_letter_word_white_list, which the rendered keeper config allows).
/// </summary>
public sealed class ClickHouseHealth : IHealthProbe
{
    public const string PingPath = "/ping";

    public static ProbeOutcome JudgePing(int status, string body) =>
        ProbeKit.OkWithBody(status, body, "Ok.");

    public static ProbeOutcome JudgeRuok(string answer) =>
        ProbeOutcome.When(answer.Trim() == "imok", answer.Trim().Length == 0 ? "no answer to ruok" : $"ruok → {ProbeKit.Short(answer)}");

    public async Task<IReadOnlyList<HealthCheck>> ProbeAsync(ProbeContext context, CancellationToken cancellation) =>
        await ProbeKit.PerHostAsync(context, context.Hosts, host =>
        {
            var list = new List<Task<HealthCheck>>();
            if (host.Has(ClickHouseComponent.Server))
                list.Add(ProbeKit.HttpAsync(context, host, "ping", ClickHouseComponent.Http, PingPath, JudgePing, cancellation));
            if (host.Has(ClickHouseComponent.Keeper))
                list.Add(context.CheckAsync(host, "keeper ruok", async (access, ct) =>
                    JudgeRuok(await ProbeClients.FourLetterWordAsync(await ProbeKit.EndpointAsync(access, host, ClickHouseComponent.KeeperClient, ct), "ruok", ct)), cancellation));
            return list;
        });
}
