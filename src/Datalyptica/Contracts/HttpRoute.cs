using Datalyptica.Components;

namespace Datalyptica.Contracts;

/// <summary>
/// How a web application is published on the HTTPS front door; declared by the application's component
/// (<see cref="ComponentDefinition.HttpRoutes"/>), combined by HAProxy.
/// <see cref="Path"/>: the seed's path (https://domain/grafana). <see cref="StripPrefix"/>: the application
/// does not know its sub-path, so HAProxy removes it; otherwise the application is configured with it
/// (Grafana serve_from_sub_path, Airflow base_url, ...) and receives it unchanged.
/// <see cref="HostPrefix"/>: routed by host name (&lt;prefix&gt;.&lt;domain&gt;) because the application cannot run under
/// a sub-path; its seed path then redirects to that host.
/// <see cref="HealthPath"/> is the path the backend is checked on, on <see cref="HealthPort"/> when the
/// health endpoint lives on a management port. <see cref="ActivePassive"/>: only the first member takes
/// traffic, the others are <c>backup</c> servers.
/// </summary>
public sealed record HttpRoute(string Name, string Path, RoleDefinition Role, PortSpec Port, string HealthPath, string Why)
{
    public bool StripPrefix { get; init; }
    public string? HostPrefix { get; init; }
    public PortSpec? HealthPort { get; init; }
    public bool ActivePassive { get; init; }
    /// <summary>An extra http-check expectation on the body (a regex), besides status 200.</summary>
    public string? ExpectBody { get; init; }
    /// <summary>
    /// What a ready backend answers on <see cref="HealthPath"/>, as the upstream documents it; required with
    /// <see cref="ExpectBody"/> (a test runs HAProxy's check against it, and the lab's stand-ins answer it).
    /// </summary>
    public string? ReadyExample { get; init; }
    /// <summary>Sticky sessions by an inserted cookie.</summary>
    public bool Sticky { get; init; }
    public int ServerTimeoutSeconds { get; init; } = 60;
    /// <summary>
    /// Where the route stands in haproxy.cfg (ascending; equal values keep catalog order). The values keep the order of
    /// the single table routes were declared in before issue 12, so the rendered file did not change.
    /// </summary>
    public int Order { get; init; } = int.MaxValue;
}
