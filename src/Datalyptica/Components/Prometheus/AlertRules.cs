using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Components.Prometheus;

/// <summary>
/// Alert rule files: one per scrape target set (targets), and each component's own (<see cref="ScrapeJobs.AlertGroups"/>),
/// only for jobs the site scrapes. Thresholds that depend on the site (how many etcd members make a quorum, how many
/// Redis replicas or Alertmanager peers there should be) come from it.
/// </summary>
public static class AlertRules
{
    public static string RunbookBase(RenderContext ctx) =>
        (PrometheusSettings.RunbookUrl.Get(ctx.Site) ?? $"https://{ctx.Site.Domain}/runbooks").TrimEnd('/');

    public static IEnumerable<(string File, IReadOnlyList<AlertRule> Rules)> For(RenderContext ctx,
        IReadOnlyList<(ScrapeJob Job, IReadOnlyList<(Host Host, RoleDefinition? Role)> Members)> jobs)
    {
        var runbooks = RunbookBase(ctx);
        IReadOnlyList<AlertRule> WithRunbooks(string file, IEnumerable<AlertRule> rules) =>
            rules.Select(r => r with { RunbookUrl = $"{runbooks}/{file}#{r.Name.ToLowerInvariant()}" }).ToList();

        var scraped = jobs.Select(j => j.Job.Name).ToHashSet();
        yield return ("targets", WithRunbooks("targets", Targets(jobs)));
        foreach (var group in ScrapeJobs.AlertGroups.Where(g => scraped.Contains(g.Job)))
            yield return (group.File, WithRunbooks(group.File, group.Rules(ctx)));
    }

    private static string Pascal(string job) => string.Concat(job.Split('-', '_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));

    private static IEnumerable<AlertRule> Targets(IEnumerable<(ScrapeJob Job, IReadOnlyList<(Host Host, RoleDefinition? Role)> Members)> jobs)
    {
        // Always firing: proves the whole alerting path works; an external dead man's switch alerts when it stops.
        yield return new("Watchdog", "vector(1)", "0m", "none", "Alerting pipeline heartbeat",
            "Always firing. If the heartbeat receiver stops getting it, Prometheus or Alertmanager is broken.")
        {
            Proof = new([], Quiet: null),
        };
        foreach (var (job, members) in jobs)
        {
            yield return new($"{Pascal(job.Name)}InstanceDown", $"up{{job=\"{job.Name}\"}} == 0", "2m", AlertRule.Warning,
                $"{job.Name} target down",
                $"{{{{ $labels.instance }}}} ({{{{ $labels.host }}}}) of job {job.Name} has not answered scrapes for 2 minutes.")
            {
                Proof = AlertProof.Gauge($"up{{job=\"{job.Name}\",instance=\"t1\"}}", 0, 1),
            };
            if (members.Count > 1)
                yield return new($"{Pascal(job.Name)}AllInstancesDown", $"sum(up{{job=\"{job.Name}\"}}) == 0", "1m", AlertRule.Critical,
                    $"every {job.Name} target is down",
                    $"None of the {members.Count} {job.Name} targets answers scrapes.")
                {
                    Proof = new(
                        AlertProof.Steady(($"up{{job=\"{job.Name}\",instance=\"t1\"}}", 0), ($"up{{job=\"{job.Name}\",instance=\"t2\"}}", 0)),
                        AlertProof.Steady(($"up{{job=\"{job.Name}\",instance=\"t1\"}}", 0), ($"up{{job=\"{job.Name}\",instance=\"t2\"}}", 1))),
                };
        }
    }
}
