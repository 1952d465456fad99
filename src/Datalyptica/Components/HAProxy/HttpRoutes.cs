using Datalyptica.Contracts;

namespace Datalyptica.Components.HAProxy;

/// <summary>
/// The seed's URLs (README "Access Services") plus the platform's APIs, and how each is served: combined from what each
/// component declares (<see cref="ComponentDefinition.HttpRoutes"/>), in haproxy.cfg order (<see cref="HttpRoute.Order"/>).
/// The seed also lists /kafka-ui, but the platform has no Kafka UI component: nothing is routed there.
/// </summary>
public static class HttpRoutes
{
    public static IReadOnlyList<HttpRoute> All =>
        ComponentCatalog.Combined<IReadOnlyList<HttpRoute>>("http-routes", all => all.SelectMany(c => c.HttpRoutes).OrderBy(r => r.Order).ToList());
}
