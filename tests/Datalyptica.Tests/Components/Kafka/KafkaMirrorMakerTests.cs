using Datalyptica.Components.Kafka;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Tests.Components.OsBaseLayer;
using Datalyptica.Tests.Components.Patroni;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Kafka;

/// <summary>
/// MirrorMaker 2 on a standby site, checked by parsing what is rendered (Kafka cannot run on this machine: no release
/// archive in Debian, NuGet or npm); its unit goes through the real systemd-analyze verify.
/// </summary>
public class KafkaMirrorMakerTests
{
    /// <summary>The production profile's first three brokers: what the dr profile mirrors from.</summary>
    private static readonly string[] PrimaryBrokers = RenderedSites.Production.Site.HostsWith(KafkaComponent.Broker).Take(3)
        .Select(h => $"{h.Address}:{h.Port(KafkaComponent.BrokerPort)}").ToArray();

    private static readonly Lazy<(Site Site, IReadOnlyList<HostFiles> Hosts)> Standby = new(() =>
    {
        var site = RenderedSite.Of(BuiltInProfiles.Dr);
        return (site.Site, site.Hosts);
    });

    [Fact]
    public void Every_broker_of_a_standby_site_mirrors_the_primary_one_way_with_the_same_topic_names()
    {
        var (site, hosts) = Standby.Value;
        var brokers = site.HostsWith(KafkaComponent.Broker).ToList();
        brokers.Count.ShouldBeGreaterThan(1);
        var local = string.Join(',', brokers.Select(h => $"{h.Address}:{h.Port(KafkaComponent.BrokerPort)}"));
        foreach (var host in hosts)
        {
            var file = host.Files.SingleOrDefault(f => f.Path == KafkaMirrorMaker.Properties);
            if (!host.Host.Has(KafkaComponent.Broker))
            {
                file.ShouldBeNull($"{host.Host.Name} runs no broker");
                continue;
            }
            var p = JavaProperties.Parse(file.ShouldNotBeNull().Content);
            p["clusters"].ShouldBe("primary, standby");
            p["primary.bootstrap.servers"].ShouldBe(string.Join(',', PrimaryBrokers));
            p["standby.bootstrap.servers"].ShouldBe(local);
            p["primary->standby.enabled"].ShouldBe("true");
            p["standby->primary.enabled"].ShouldBe("false", "one way: a standby never writes back");
            p["replication.policy.class"].ShouldBe("org.apache.kafka.connect.mirror.IdentityReplicationPolicy");
            p["sync.group.offsets.enabled"].ShouldBe("true", "consumers resume at translated offsets after a failover");
            p["dedicated.mode.enable.internal.rest"].ShouldBe("true");
            p["listeners"].ShouldBe($"http://{host.Host.Address}:{host.Host.Port(KafkaMirrorMaker.MirrorMakerRest)}");
            foreach (var key in p.Keys.Where(k => k.EndsWith("replication.factor", StringComparison.Ordinal)))
                p[key].ShouldBe("3", key);
            var unit = host.Files.Single(f => f.Path == PlatformPaths.Unit(KafkaMirrorMaker.Unit)).Content;
            unit.ShouldContain($"connect-mirror-maker.sh {KafkaMirrorMaker.Properties} --clusters standby");
        }
        ArtifactUnitCheck.Verify(hosts.SelectMany(h => h.Files.Where(f => f.Path == PlatformPaths.Unit(KafkaMirrorMaker.Unit)).Select(f => (h.Host, f))));
    }

    [Fact]
    public void A_primary_site_or_a_standby_that_names_no_primary_brokers_runs_no_MirrorMaker()
    {
        var none = PgSites.WithSiteVar(RenderedSite.Of(BuiltInProfiles.Dr).Site, KafkaMirrorMaker.PrimaryBootstrap.Key, new List<object>());
        foreach (var (name, hosts) in new[] { ("production", RenderedSites.Production.Hosts), ("dr without brokers", SiteRenderer.Render(none)) })
            hosts.SelectMany(h => h.Files).ShouldNotContain(f => f.Path == KafkaMirrorMaker.Properties || f.Path == PlatformPaths.Unit(KafkaMirrorMaker.Unit), name);
    }

    [Fact]
    public void Only_brokers_reach_the_workers_internal_REST_port()
    {
        var (site, hosts) = Standby.Value;
        var broker = site.HostsWith(KafkaComponent.Broker).First();
        var firewall = Firewall.Parse(hosts.Single(h => h.Host == broker).Files.Single(f => f.Path == Nftables.ConfigPath).Content);
        var match = $"tcp dport {broker.Port(KafkaMirrorMaker.MirrorMakerRest)}";
        foreach (var host in site.Hosts)
            firewall.AllowsByHostSet(match, host.Address).ShouldBe(host.Has(KafkaComponent.Broker), host.Name);
    }

    /// <summary>
    /// `dr promote` stops MirrorMaker 2 on every broker of the standby before the database promotes; a broker that does
    /// not answer is reported, not fatal; a primary site (no mirror) gets no command at all.
    /// </summary>
    [Fact]
    public async Task Promotion_stops_and_disables_the_mirror_on_every_broker_and_reports_a_broker_that_does_not_answer()
    {
        var (site, _) = Standby.Value;
        var brokers = site.HostsWith(KafkaComponent.Broker).ToList();
        var context = new RecordingContext(site, lost: brokers[^1].Name);
        var lines = new List<string>();
        var problems = await KafkaMirrorMaker.StopForPromotionAsync(context, lines.Add, CancellationToken.None);
        context.Commands.Keys.Order().ShouldBe(brokers.Select(b => b.Name).Order());
        context.Commands.Values.ShouldAllBe(c => c == "systemctl disable --now kafka-mirror-maker.service");
        problems.ShouldHaveSingleItem().ShouldStartWith($"{brokers[^1].Name}: MirrorMaker 2 not stopped");
        lines.ShouldContain(l => l.StartsWith("stopping MirrorMaker 2", StringComparison.Ordinal));

        var primary = new RecordingContext(RenderedSites.Production.Site, lost: null);
        (await KafkaMirrorMaker.StopForPromotionAsync(primary, _ => { }, CancellationToken.None)).ShouldBeEmpty();
        primary.Commands.ShouldBeEmpty();
    }

    private sealed class RecordingContext(Site site, string? lost)
        : Datalyptica.Contracts.Drilling.DrillContext("/site", site, new Dictionary<string, Datalyptica.Secrets.Secret>(), _ => { })
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, string> Commands { get; } = new();

        protected override Datalyptica.Contracts.Hosts.IHostTransport Connect(Host host, TimeSpan connectTimeout, TimeSpan commandTimeout) =>
            new Recorder(host.Name, this, host.Name == lost);
        public override void CrashLabHost(string host) => throw new NotSupportedException();
        public override Task StartLabHostAsync(string host, CancellationToken cancellation) => throw new NotSupportedException();
        public override Task<IReadOnlyList<string>> BootStoppedLabHostsAsync(CancellationToken cancellation) => throw new NotSupportedException();
        public override Task<IReadOnlyList<string>> HealthProblemsAsync(CancellationToken cancellation, string? component = null) => throw new NotSupportedException();

        private sealed class Recorder(string host, RecordingContext owner, bool lost) : Datalyptica.Contracts.Hosts.IHostTransport
        {
            public string HostName => host;
            public Task<Datalyptica.Contracts.Hosts.CommandResult> RunAsync(Datalyptica.Contracts.Hosts.RemoteCommand command, CancellationToken cancellation, string? stdin = null)
            {
                owner.Commands[host] = command.Display;
                return Task.FromResult(lost ? new Datalyptica.Contracts.Hosts.CommandResult(255, "", "ssh: connect to host: No route to host")
                    : new Datalyptica.Contracts.Hosts.CommandResult(0, "", ""));
            }
            public Task UploadAsync(ReadOnlyMemory<byte> content, string remotePath, CancellationToken cancellation) => Task.CompletedTask;
            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
