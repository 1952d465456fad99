using System.Globalization;
using Datalyptica.Components.Airflow;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.Redis;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Airflow;

/// <summary>
/// Airflow cannot be installed here (PyPI is not reachable and Debian has no package): airflow.cfg is parsed back with IniText and checked against the
/// site; webserver_config.py is compiled with the real python3.
/// </summary>
public class AirflowRendererTests
{
    [Fact]
    public void Every_host_shares_one_metadata_database_through_haproxy_and_the_same_keys()
    {
        foreach (var site in AppTests.Sites)
        {
            var cfgs = site.Files(AirflowRenderer.CfgPath).ToList();
            cfgs.Count.ShouldBe(site.Site.Hosts.Count(h => h.Has(AirflowComponent.Scheduler) || h.Has(AirflowComponent.Web)));
            var lb = site.Site.HostsWith(HAProxyComponent.Node).First();
            foreach (var (host, file) in cfgs)
            {
                file.Mode.ShouldBe(Modes.Private);
                file.Group.ShouldBe("airflow");
                var ini = IniText.Parse(file.Content);
                ini["core"]["executor"].ShouldBe("CeleryExecutor");
                ini["core"]["fernet_key"].ShouldBe("@@secret:vault_airflow_fernet_key@@");
                ini["webserver"]["secret_key"].ShouldBe("@@secret:vault_airflow_webserver_secret_key@@");
                ini["database"]["sql_alchemy_conn"].ShouldBe(
                    $"postgresql+psycopg2://airflow:@@secret:vault_airflow_db_password@@@{site.Site.Vips[0].Address}:{lb.Port(HAProxyComponent.PostgresPrimary)}/airflow");
                ini["scheduler"]["use_row_level_locking"].ShouldBe("true");
                ini["webserver"]["base_url"].ShouldBe($"https://{site.Site.Domain}/airflow");
                ini["webserver"]["enable_proxy_fix"].ShouldBe("true");
                ini["logging"]["base_log_folder"].ShouldBe("/var/log/datalyptica/airflow");
                ini["logging"]["remote_base_log_folder"].ShouldBe($"s3://{site.Site.ObjectStore!.Buckets["logs"]}/airflow");
                if (host.Has(AirflowComponent.Web))
                    ini["webserver"]["web_server_port"].ShouldBe(host.Port(AirflowComponent.Webserver).ToString(CultureInfo.InvariantCulture));
                if (host.Has(AirflowComponent.Scheduler))
                    ini["scheduler"]["scheduler_health_check_server_port"].ShouldBe(host.Port(AirflowComponent.SchedulerHealth).ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    [Fact]
    public void Celery_broker_is_the_sites_redis_through_every_sentinel_and_results_go_to_the_metadata_database()
    {
        foreach (var site in AppTests.Sites)
        {
            var sentinels = site.Site.HostsWith(RedisComponent.Sentinel).ToList();
            sentinels.ShouldNotBeEmpty();
            var lb = site.Site.HostsWith(HAProxyComponent.Node).First();
            foreach (var (host, file) in site.Files(AirflowRenderer.CfgPath))
            {
                var ini = IniText.Parse(file.Content);
                // kombu: one sentinel:// URL per Sentinel joined by ';', the Redis password, the broker's own database.
                ini["celery"]["broker_url"].ShouldBe(string.Join(';', sentinels.Select(s =>
                    $"sentinel://:@@secret:vault_redis_password@@@{s.Address}:{s.Port(RedisComponent.SentinelPort)}/{AirflowRenderer.BrokerRedisDb}")));
                ini["celery_broker_transport_options"]["master_name"].ShouldBe(RedisRenderer.MasterName(site.Site));
                ini["celery"]["result_backend"].ShouldBe(
                    $"db+postgresql://airflow:@@secret:vault_airflow_db_password@@@{site.Site.Vips[0].Address}:{lb.Port(HAProxyComponent.PostgresPrimary)}/airflow");
                ini["celery"]["task_acks_late"].ShouldBe("true");
                // Webservers read running tasks' logs from the workers' log server: one port, the schedulers'.
                ini["logging"]["worker_log_server_port"].ShouldBe(
                    site.Site.HostsWith(AirflowComponent.Scheduler).First().Port(AirflowComponent.WorkerLogs).ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    [Fact]
    public void A_celery_worker_runs_beside_every_scheduler_with_a_warm_shutdown_and_the_redis_dependency_is_declared()
    {
        foreach (var site in AppTests.Sites)
        foreach (var (host, files) in site.Hosts)
        {
            var worker = files.SingleOrDefault(f => f.Path == PlatformPaths.Unit(AirflowRenderer.WorkerUnit));
            (worker is not null).ShouldBe(host.Has(AirflowComponent.Scheduler));
            if (worker is null) continue;
            worker.Content.ShouldContain($"ExecStart={PlatformPaths.Current("airflow")}/bin/airflow celery worker");
            worker.Content.ShouldContain("TimeoutStopSec=600");
            worker.Content.ShouldContain($"EnvironmentFile={AirflowRenderer.EnvPath}");
        }
        new AirflowComponent().Requires.Select(d => d.ComponentId).ShouldContain("redis");
        AirflowAccess.Firewall.ShouldContain(a => a.Port == AirflowComponent.WorkerLogs && a.Callers.Contains(AirflowComponent.Web));
    }

    [Fact]
    public void Schedulers_and_triggerers_run_on_scheduler_hosts_webservers_on_webserver_hosts()
    {
        foreach (var site in AppTests.Sites)
        foreach (var (host, files) in site.Hosts)
        {
            files.Any(f => f.Path == "/etc/systemd/system/airflow-scheduler.service").ShouldBe(host.Has(AirflowComponent.Scheduler));
            files.Any(f => f.Path == "/etc/systemd/system/airflow-triggerer.service").ShouldBe(host.Has(AirflowComponent.Scheduler));
            files.Any(f => f.Path == "/etc/systemd/system/airflow-webserver.service").ShouldBe(host.Has(AirflowComponent.Web));
        }
        RenderedSites.Production.File("airflow01", "/etc/systemd/system/airflow-scheduler.service").Content
            .ShouldContain($"EnvironmentFile={AirflowRenderer.EnvPath}");
    }

    [Fact]
    public void Webserver_config_compiles_with_python3()
    {
        foreach (var site in new[] { RenderedSites.Production, RenderedSites.Development })
        {
            var web = site.Site.HostsWith(AirflowComponent.Web).First();
            AppTests.PyCompiles(site.Host(web.Name).Files, AirflowRenderer.WebserverConfigPath);
        }
    }

    [Fact]
    public void Secrets_are_placeholders_in_private_files_only() =>
        AppTests.Sites.ToList().ForEach(s => AppTests.SecretsArePlaceholdersInPrivateFiles(s, "airflow",
            "vault_airflow_fernet_key", "vault_airflow_db_password", "vault_oauth_airflow_client_secret", "vault_s3_secret_key"));

    [Fact]
    public void Renders_the_thousand_host_site_fast() => AppTests.RendersOnThousandHosts("airflow");
}
