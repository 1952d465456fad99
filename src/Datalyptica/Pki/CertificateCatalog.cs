using System.Net;
using Datalyptica.Components.Etcd;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.PostgreSQL;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;

namespace Datalyptica.Pki;

public enum CertificateUse { Server, Client, ServerAndClient }

/// <summary>One certificate one host needs: its id (unique on the host), use, subject and names.</summary>
public sealed record CertificateSpec(string Host, string Id, CertificateUse Use, string CommonName,
    IReadOnlyList<string> DnsNames, IReadOnlyList<IPAddress> Addresses);

/// <summary>
/// Every certificate the site's rendered configuration refers to, by host. Kept next to the renderers that use them
/// (their ids are the <see cref="TlsFiles"/> ids): etcd serves and peers over TLS with client-certificate auth, so
/// Patroni presents a client certificate; pgBackRest's TLS server and its clients; HAProxy's HTTPS frontend.
/// </summary>
public static class CertificateCatalog
{
    public const string EtcdServer = "etcd-server", EtcdPeer = "etcd-peer", EtcdClient = "etcd-client";
    public const string PgBackRestServer = "pgbackrest-server", PgBackRestClient = "pgbackrest-client";
    public const string HAProxyFrontend = "haproxy-frontend";

    public static IReadOnlyList<CertificateSpec> Required(Site site)
    {
        var specs = new List<CertificateSpec>();
        foreach (var host in site.Hosts)
        {
            // Names and addresses a peer may dial: the short name, the FQDN, the address; loopback for local tools.
            string[] names = [host.Name, $"{host.Name}.{site.Domain}", "localhost"];
            IPAddress[] addresses = [host.Address, IPAddress.Loopback];
            if (host.Has(EtcdComponent.Member))
            {
                specs.Add(new(host.Name, EtcdServer, CertificateUse.ServerAndClient, host.Name, names, addresses));
                specs.Add(new(host.Name, EtcdPeer, CertificateUse.ServerAndClient, host.Name, names, addresses));
            }
            if (host.Has(PostgreSQLComponent.Member))
            {
                specs.Add(new(host.Name, EtcdClient, CertificateUse.Client, $"patroni-{host.Name}", [], []));
                specs.Add(new(host.Name, PgBackRestServer, CertificateUse.Server, host.Name, names, addresses));
                // pgBackRest's tls-server-auth names the clients it accepts by CN.
                specs.Add(new(host.Name, PgBackRestClient, CertificateUse.Client, PgBackRest.ClientCn, [], []));
            }
            if (host.Has(HAProxyComponent.Node))
            {
                var vips = site.Vips.Select(v => v.Address);
                specs.Add(new(host.Name, HAProxyFrontend, CertificateUse.Server, site.Domain,
                    [site.Domain, $"*.{site.Domain}", host.Name, $"{host.Name}.{site.Domain}"], [.. vips, host.Address]));
            }
        }
        return specs;
    }
}
