using Datalyptica.Components.Loki;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Loki;

/// <summary>Loki cannot be installed here (no release archive in Debian, NuGet or npm): config.yaml is parsed back with YamlText and checked against the site.</summary>
public class LokiRendererTests
{
    private static Dictionary<object, object> Config(RenderedSite site, string host) =>
        (Dictionary<object, object>)YamlText.Parse(site.File(host, LokiRenderer.ConfigPath).Content)!;

    private static Dictionary<object, object> M(object o) => (Dictionary<object, object>)o;

    [Fact]
    public void Ring_members_join_every_member_with_its_memberlist_port_and_replicate_up_to_three()
    {
        foreach (var site in AppTests.Sites)
        {
            var members = site.Site.HostsWith(LokiComponent.Server).ToList();
            var expected = members.Select(h => $"{h.Address}:{h.Port(LokiComponent.Memberlist)}").ToList();
            foreach (var l in members)
            {
                var c = Config(site, l.Name);
                ((List<object>)M(c["memberlist"])["join_members"]).Cast<string>().ShouldBe(expected);
                M(c["memberlist"])["bind_port"].ShouldBe(l.Port(LokiComponent.Memberlist).ToString());
                M(c["common"])["replication_factor"].ShouldBe(Math.Min(3, members.Count).ToString());
                M(M(M(c["common"])["ring"])["kvstore"])["store"].ShouldBe("memberlist");
                M(c["server"])["http_listen_port"].ShouldBe(l.Port(LokiComponent.Http).ToString());
                M(c["server"])["grpc_listen_port"].ShouldBe(l.Port(LokiComponent.Grpc).ToString());
            }
        }
    }

    [Fact]
    public void Storage_is_the_logs_bucket_with_tsdb_v13_and_retention_needs_a_delete_request_store()
    {
        var site = RenderedSites.Production;
        var c = Config(site, "loki01");
        var s3 = M(M(M(c["common"])["storage"])["s3"]);
        s3["bucketnames"].ShouldBe(site.Site.ObjectStore!.Buckets["logs"]);
        s3["secret_access_key"].ShouldBe("@@secret:vault_s3_secret_key@@");
        var schema = M(((List<object>)M(c["schema_config"])["configs"])[0]);
        schema["schema"].ShouldBe("v13");
        schema["store"].ShouldBe("tsdb");
        var compactor = M(c["compactor"]);
        compactor["retention_enabled"].ShouldBe("true");
        compactor["delete_request_store"].ShouldBe("s3");
        M(c["limits_config"])["retention_period"].ShouldBe(LokiRenderer.DefaultRetention);
        site.File("loki01", LokiRenderer.ConfigPath).Mode.ShouldBe(Datalyptica.Contracts.Rendering.Modes.Private);
    }

    [Fact]
    public void Retention_follows_the_loki_retention_period_variable()
    {
        var site = AppTests.WithVars(RenderedSites.Production.Site, ("loki_retention_period", "2160h"));
        M(Config(site, "loki01")["limits_config"])["retention_period"].ShouldBe("2160h");
    }

    [Fact]
    public void Secrets_are_placeholders_in_private_files_only() =>
        AppTests.Sites.ToList().ForEach(s => AppTests.SecretsArePlaceholdersInPrivateFiles(s, "loki", "vault_s3_access_key"));

    [Fact]
    public void Renders_the_thousand_host_site_fast() => AppTests.RendersOnThousandHosts("loki");
}
