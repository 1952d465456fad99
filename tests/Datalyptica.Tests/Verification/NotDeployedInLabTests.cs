using Datalyptica.Contracts.Health;
using Datalyptica.Profiles;
using Datalyptica.Verification;

namespace Datalyptica.Tests.Verification;

public class NotDeployedInLabTests
{
    [Fact]
    public void A_lab_site_lists_every_component_it_cannot_install_as_not_deployed_and_nothing_it_runs()
    {
        var site = ProfileExpander.Expand(BuiltInProfiles.Lab);
        var checks = Verifier.NotDeployedInLab(site, new VerifyOptions()).ToList();
        checks.ShouldAllBe(c => c.Status == HealthStatus.NotDeployed && c.Host == HealthCheck.ClusterScope);
        var listed = checks.Select(c => c.Component).ToHashSet();
        foreach (var id in new[] { "kafka", "schema_registry", "nessie", "spark", "flink", "trino", "clickhouse", "airflow", "jupyterhub", "mlflow", "superset", "grafana", "loki", "keycloak" })
            listed.ShouldContain(id);
        foreach (var id in new[] { "etcd", "patroni", "postgresql", "haproxy", "keepalived", "redis", "zookeeper", "prometheus", "alertmanager" })
            listed.ShouldNotContain(id);
        checks.Single(c => c.Component == "kafka").Detail.ShouldStartWith("not deployed in lab: no package source");
    }

    [Fact]
    public void Other_sites_and_narrowed_runs_list_nothing()
    {
        Verifier.NotDeployedInLab(ProfileExpander.Expand(BuiltInProfiles.Development, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk"), new VerifyOptions()).ShouldBeEmpty();
        Verifier.NotDeployedInLab(ProfileExpander.Expand(BuiltInProfiles.Lab), new VerifyOptions { Hosts = new HashSet<string> { "lab01" } }).ShouldBeEmpty();
    }
}
