using System.Buffers.Binary;
using System.Text;
using Datalyptica.Components.Airflow;
using Datalyptica.Components.ClickHouse;
using Datalyptica.Components.Flink;
using Datalyptica.Components.Grafana;
using Datalyptica.Components.JupyterHub;
using Datalyptica.Components.Kafka;
using Datalyptica.Components.Loki;
using Datalyptica.Components.MLflow;
using Datalyptica.Components.SchemaRegistry;
using Datalyptica.Components.Spark;
using Datalyptica.Components.Superset;
using Datalyptica.Components.Trino;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Tests.Verification;

/// <summary>
/// The judges of the probes for components installed from release artifacts (they cannot run on this machine nor in the
/// lab): each is fed a healthy, an unhealthy and a garbage answer shaped like the upstream documentation's examples.
/// </summary>
public class ArtifactProbeJudgeTests
{
    private static void Healthy(ProbeOutcome o) => o.Status.ShouldBe(HealthStatus.Healthy, o.Detail);
    private static void Failed(ProbeOutcome o) => o.Status.ShouldBe(HealthStatus.Failed, o.Detail);
    private const string Html = "<html><body><h1>502 Bad Gateway</h1></body></html>";

    [Fact]
    public void Schema_registry_judge()
    {
        var ok = SchemaRegistryHealth.Judge(200, """["orders-value","payments-value"]""");
        Healthy(ok);
        ok.Detail.ShouldBe("2 subjects");
        Failed(SchemaRegistryHealth.Judge(500, """{"error_code":50001,"message":"Error in the backend data store"}"""));
        Failed(SchemaRegistryHealth.Judge(200, Html));
        Failed(SchemaRegistryHealth.Judge(200, """{"subjects":[]}"""));
    }

    [Fact]
    public void Quarkus_health_judge_for_nessie_and_keycloak_names_the_failing_check()
    {
        Healthy(MicroProfileHealth.Judge(200, """{"status":"UP","checks":[{"name":"Database connections health check","status":"UP"}]}"""));
        Healthy(MicroProfileHealth.Judge(200, """{"status":"UP","checks":[]}"""));
        var down = MicroProfileHealth.Judge(503, """{"status":"DOWN","checks":[{"name":"Database connections health check","status":"DOWN"}]}""");
        Failed(down);
        down.Detail.ShouldContain("Database connections health check");
        Failed(MicroProfileHealth.Judge(200, Html));
        Failed(MicroProfileHealth.Judge(404, "Resource not found"));
    }

    [Fact]
    public void Spark_master_worker_history_and_cluster_judges()
    {
        Healthy(SparkHealth.JudgeMaster(200, """{"url":"spark://m1:7077","workers":[],"aliveworkers":3,"cores":24,"status":"ALIVE"}"""));
        Healthy(SparkHealth.JudgeMaster(200, """{"url":"spark://m2:7077","workers":[],"aliveworkers":0,"status":"STANDBY"}"""));
        Failed(SparkHealth.JudgeMaster(200, """{"url":"spark://m2:7077","aliveworkers":0,"status":"RECOVERING"}"""));
        Failed(SparkHealth.JudgeMaster(200, Html));

        Healthy(SparkHealth.JudgeWorker(200, """{"id":"worker-20250101-10.0.0.5-7078","masterurl":"spark://m1:7077","masterwebuiurl":"http://m1:8080","cores":8}"""));
        Failed(SparkHealth.JudgeWorker(200, """{"id":"worker-20250101-10.0.0.5-7078","masterurl":""}"""));
        Failed(SparkHealth.JudgeWorker(200, "garbage"));

        Healthy(SparkHealth.JudgeHistory(200, """{"spark":"3.5.4"}"""));
        Failed(SparkHealth.JudgeHistory(404, "Not Found"));
        Failed(SparkHealth.JudgeHistory(200, Html));

        Healthy(SparkHealth.JudgeCluster([new("ALIVE", 3), new("STANDBY", 0)], 3));
        Failed(SparkHealth.JudgeCluster([new("ALIVE", 2), new("STANDBY", 0)], 3));
        Failed(SparkHealth.JudgeCluster([new("ALIVE", 3), new("ALIVE", 3)], 3));
        Failed(SparkHealth.JudgeCluster([new("STANDBY", 0), new("STANDBY", 0)], 3));
    }

    [Fact]
    public void Flink_overview_counts_registered_task_managers()
    {
        const string overview = """{"taskmanagers":3,"slots-total":12,"slots-available":12,"jobs-running":0,"jobs-finished":0,"jobs-cancelled":0,"jobs-failed":0,"flink-version":"1.20.0","flink-commit":"b1fe7b4"}""";
        var ok = FlinkHealth.JudgeOverview(200, overview, 3);
        Healthy(ok);
        ok.Detail.ShouldBe("3 of 3 TaskManagers registered, 12 slots, Flink 1.20.0");
        Failed(FlinkHealth.JudgeOverview(200, overview, 4));
        Failed(FlinkHealth.JudgeOverview(503, """{"errors":["Service temporarily unavailable due to an ongoing leader election. Please refresh."]}""", 3));
        Failed(FlinkHealth.JudgeOverview(200, Html, 3));
    }

    [Fact]
    public void Trino_info_must_be_started_and_the_placed_kind_of_node()
    {
        const string coordinator = """{"nodeVersion":{"version":"468"},"environment":"production","coordinator":true,"starting":false,"uptime":"1.00h"}""";
        Healthy(TrinoHealth.Judge(200, coordinator, coordinator: true));
        Failed(TrinoHealth.Judge(200, coordinator, coordinator: false));
        Failed(TrinoHealth.Judge(200, coordinator.Replace("\"starting\":false", "\"starting\":true"), coordinator: true));
        Healthy(TrinoHealth.Judge(200, coordinator.Replace("\"coordinator\":true", "\"coordinator\":false"), coordinator: false));
        Failed(TrinoHealth.Judge(200, Html, coordinator: true));
    }

    [Fact]
    public void ClickHouse_ping_and_keeper_ruok()
    {
        Healthy(ClickHouseHealth.JudgePing(200, "Ok.\n"));
        Failed(ClickHouseHealth.JudgePing(500, "Code: 241. DB::Exception: Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED)"));
        Failed(ClickHouseHealth.JudgePing(200, Html));
        Healthy(ClickHouseHealth.JudgeRuok("imok"));
        Failed(ClickHouseHealth.JudgeRuok(""));
        Failed(ClickHouseHealth.JudgeRuok("ruok is not executed because it is not in the whitelist."));
    }

    [Fact]
    public void Airflow_webserver_health_is_read_from_the_body_and_the_scheduler_from_the_status()
    {
        Healthy(AirflowHealth.JudgeWeb(200, """{"metadatabase":{"status":"healthy"},"scheduler":{"status":"healthy","latest_scheduler_heartbeat":"2025-01-01T10:00:00+00:00"}}"""));
        // Airflow answers 200 even when unhealthy: only the body says so.
        var down = AirflowHealth.JudgeWeb(200, """{"metadatabase":{"status":"healthy"},"scheduler":{"status":"unhealthy","latest_scheduler_heartbeat":"2025-01-01T09:00:00+00:00"}}""");
        Failed(down);
        down.Detail.ShouldBe("metadatabase healthy, scheduler unhealthy");
        Failed(AirflowHealth.JudgeWeb(200, Html));
        Healthy(AirflowHealth.JudgeScheduler(200, ""));
        Failed(AirflowHealth.JudgeScheduler(503, ""));
        Failed(AirflowHealth.JudgeScheduler(404, Html));
    }

    [Fact]
    public void Plain_text_health_endpoints()
    {
        Healthy(JupyterHubHealth.Judge(200, ""));
        Failed(JupyterHubHealth.Judge(503, ""));
        Failed(JupyterHubHealth.Judge(502, Html));

        Healthy(MLflowHealth.Judge(200, "OK"));
        Failed(MLflowHealth.Judge(503, "Service Unavailable"));
        Failed(MLflowHealth.Judge(200, Html));

        Healthy(SupersetHealth.Judge(200, "OK"));
        Failed(SupersetHealth.Judge(500, "Internal Server Error"));
        Failed(SupersetHealth.Judge(200, Html));

        Healthy(LokiHealth.Judge(200, "ready\n"));
        Failed(LokiHealth.Judge(503, "Ingester not ready: waiting for 15s after being ready"));
        Failed(LokiHealth.Judge(200, Html));
    }

    [Fact]
    public void Grafana_api_health_wants_the_database_ok()
    {
        Healthy(GrafanaHealth.Judge(200, """{"commit":"087143285","database":"ok","version":"11.4.0"}"""));
        Failed(GrafanaHealth.Judge(503, """{"commit":"087143285","database":"failing","version":"11.4.0"}"""));
        Failed(GrafanaHealth.Judge(200, Html));
    }

    [Fact]
    public void Kafka_api_versions_request_matches_the_protocol_and_responses_are_judged()
    {
        var request = KafkaHealth.ApiVersionsRequest(7);
        BinaryPrimitives.ReadInt32BigEndian(request).ShouldBe(request.Length - 4);
        BinaryPrimitives.ReadInt16BigEndian(request.AsSpan(4)).ShouldBe((short)18);   // api_key ApiVersions
        BinaryPrimitives.ReadInt16BigEndian(request.AsSpan(6)).ShouldBe((short)0);    // api_version
        BinaryPrimitives.ReadInt32BigEndian(request.AsSpan(8)).ShouldBe(7);           // correlation_id
        var clientLength = BinaryPrimitives.ReadInt16BigEndian(request.AsSpan(12));
        Encoding.UTF8.GetString(request, 14, clientLength).ShouldBe("datalyptica-verify");
        request.Length.ShouldBe(14 + clientLength);

        Healthy(KafkaHealth.Judge(Response(7, 0, (0, 0, 11), (3, 0, 12), (18, 0, 4)), 7));
        Failed(KafkaHealth.Judge(Response(7, 35, (18, 0, 4)), 7));            // UNSUPPORTED_VERSION
        Failed(KafkaHealth.Judge(Response(8, 0, (18, 0, 4)), 7));             // someone else's answer
        Failed(KafkaHealth.Judge(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\n\r\n"), 7));
        Failed(KafkaHealth.Judge([0, 0, 0, 7], 7));
    }

    /// <summary>An ApiVersions v0 response frame without its size prefix.</summary>
    internal static byte[] Response(int correlation, short error, params (short Key, short Min, short Max)[] apis)
    {
        var frame = new byte[10 + apis.Length * 6];
        BinaryPrimitives.WriteInt32BigEndian(frame, correlation);
        BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(4), error);
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(6), apis.Length);
        for (var i = 0; i < apis.Length; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(10 + i * 6), apis[i].Key);
            BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(12 + i * 6), apis[i].Min);
            BinaryPrimitives.WriteInt16BigEndian(frame.AsSpan(14 + i * 6), apis[i].Max);
        }
        return frame;
    }
}
