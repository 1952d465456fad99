namespace Datalyptica.Contracts.Health;

/// <summary>
/// What one check found. <see cref="Healthy"/>, <see cref="Warning"/> and <see cref="NotDeployed"/> let verify exit 0;
/// <see cref="StandIn"/> only on a <c>lab</c> site.
/// </summary>
public enum HealthStatus
{
    Healthy,
    /// <summary>Works, but not as on a real VM (chrony in a container); shown, never hidden, and not a failure.</summary>
    Warning,
    /// <summary>The check ran and the component is not healthy (wrong role, no leader, unit inactive, no answer).</summary>
    Failed,
    /// <summary>The site says the component runs on the host and it is not installed there.</summary>
    Missing,
    /// <summary>
    /// The site has the component but nothing can install it here: it comes from a release artifact and the site names
    /// no artifact source (the lab has none for Kafka, Trino, ...). Never healthy; not counted as a failure.
    /// </summary>
    NotDeployed,
    /// <summary>
    /// Started, but from a stand-in artifact (<see cref="StandInSignature"/>): the lab's release-faithful stand-in answered,
    /// or the site's artifact store holds a stand-in for the component. Never healthy; accepted (exit 0) only on a lab site.
    /// </summary>
    StandIn,
}

/// <summary>One line of verify's report. <see cref="Host"/> is <see cref="ClusterScope"/> for checks of the whole cluster.</summary>
public sealed record HealthCheck(string Component, string Host, string Check, HealthStatus Status, string Detail, TimeSpan Latency)
{
    public const string ClusterScope = "cluster";

    public static HealthCheck Healthy(string component, string host, string check, string detail, TimeSpan latency) =>
        new(component, host, check, HealthStatus.Healthy, detail, latency);

    public static HealthCheck Failed(string component, string host, string check, string detail, TimeSpan latency) =>
        new(component, host, check, HealthStatus.Failed, detail, latency);

    public static HealthCheck Of(bool ok, string component, string host, string check, string detail, TimeSpan latency) =>
        new(component, host, check, ok ? HealthStatus.Healthy : HealthStatus.Failed, detail, latency);
}

/// <summary>
/// Everything verify found, in a stable order (component, then host, cluster last, then check). <paramref name="Lab"/>:
/// the site's environment is <c>lab</c>, the only place a stand-in may run.
/// </summary>
public sealed record VerifyReport(string Site, IReadOnlyList<HealthCheck> Checks, TimeSpan WallTime, bool Lab = false)
{
    public int Count(HealthStatus status) => Checks.Count(c => c.Status == status);

    /// <summary>
    /// Everything that can be deployed here is healthy (warnings and not-deployed components do not fail a run). A
    /// stand-in passes only on a lab site: anywhere else it is a failure.
    /// </summary>
    public bool AllHealthy => Checks.All(c => c.Status is HealthStatus.Healthy or HealthStatus.Warning or HealthStatus.NotDeployed
        || (c.Status == HealthStatus.StandIn && Lab));

    public string Summary =>
        $"{Checks.Count} checks: {Count(HealthStatus.Healthy)} healthy, {Count(HealthStatus.StandIn)} stand-in, {Count(HealthStatus.Warning)} warning, " +
        $"{Count(HealthStatus.Failed)} failed, {Count(HealthStatus.Missing)} missing, {Count(HealthStatus.NotDeployed)} not deployed " +
        $"in {WallTime.TotalSeconds:0.00} s";
}
