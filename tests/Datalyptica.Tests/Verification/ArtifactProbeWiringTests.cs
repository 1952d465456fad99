using System.Net;
using System.Net.Sockets;
using System.Text;
using Datalyptica.Components.Kafka;
using Datalyptica.Contracts.Health;

namespace Datalyptica.Tests.Verification;

/// <summary>
/// The artifact-installed components cannot run here (no package), so each probe is pointed at a loopback stand-in that
/// answers the component's documented health endpoint: this proves the probe asks the right path on the right port
/// (moved by the port variable) and reports through verify; the judges themselves are tested in <see cref="ArtifactProbeJudgeTests"/>.
/// </summary>
public sealed class ArtifactProbeWiringTests : IDisposable
{
    private readonly List<IDisposable> _stubs = [];

    public static TheoryData<string, string, string, string, string, string> Http => new()
    {
        // component, group, port variable, path, answer, check
        { "grafana", "grafana", "grafana_port", "/api/health", """{"database":"ok","version":"11.4.0"}""", "health" },
        { "loki", "loki", "loki_http_port", "/ready", "ready", "ready" },
        { "mlflow", "mlflow", "mlflow_port", "/mlflow/health", "OK", "health" },
        { "superset", "superset", "superset_port", "/health", "OK", "health" },
        { "jupyterhub", "jupyterhub", "jupyterhub_port", "/jupyter/hub/health", "", "hub health" },
        { "schema_registry", "schema_registry", "schema_registry_port", "/subjects", "[]", "subjects" },
        { "nessie", "nessie", "nessie_management_port", "/q/health/ready", """{"status":"UP","checks":[]}""", "ready" },
        { "keycloak", "keycloak", "keycloak_management_port", "/health/ready", """{"status":"UP","checks":[]}""", "ready" },
        { "trino", "trino_coordinator", "trino_http_port", "/v1/info", """{"nodeVersion":{"version":"468"},"coordinator":true,"starting":false}""", "info" },
        { "clickhouse", "clickhouse", "clickhouse_http_port", "/ping", "Ok.\n", "ping" },
        { "airflow", "airflow_scheduler", "airflow_scheduler_health_port", "/health", "", "scheduler health" },
        { "flink", "flink_jobmanager", "flink_rest_port", "/overview", """{"taskmanagers":0,"slots-total":0,"flink-version":"1.20.0"}""", "overview" },
        { "spark", "spark_history", "spark_history_port", "/api/v1/version", """{"spark":"3.5.4"}""", "history" },
    };

    [Theory]
    [MemberData(nameof(Http))]
    public void Probe_asks_its_documented_endpoint_on_the_configured_port(string component, string group, string portVar, string path, string answer, string check)
    {
        var port = ServerProcess.FreePort();
        _stubs.Add(new HttpStub(port, path, answer));
        var site = LoopbackSite.Of("vt", [LoopbackSite.Host("a1", [group], (portVar, port))]);
        var report = LoopbackSite.Verify(site, LoopbackSite.Options(component));
        var result = report.Check("a1", check);
        result.Status.ShouldBe(HealthStatus.Healthy, LoopbackSite.Describe(report));
        result.Detail.ShouldStartWith($"GET :{port}{path} → 200");

        // The same probe against a port nobody serves fails, and says so.
        var closed = LoopbackSite.Verify(LoopbackSite.Of("vt", [LoopbackSite.Host("a1", [group], (portVar, ServerProcess.FreePort()))]), LoopbackSite.Options(component));
        closed.Check("a1", check).Status.ShouldBe(HealthStatus.Failed);
    }

    [Fact]
    public void Kafka_probe_speaks_api_versions_to_brokers_and_controllers()
    {
        int broker = ServerProcess.FreePort(), controller = ServerProcess.FreePort();
        _stubs.Add(new KafkaStub(broker));
        _stubs.Add(new KafkaStub(controller));
        var site = LoopbackSite.Of("vt",
        [
            LoopbackSite.Host("k1", ["kafka_broker"], ("kafka_broker_port", broker)),
            LoopbackSite.Host("k2", ["kafka_controller"], ("kafka_controller_port", controller)),
        ]);
        var report = LoopbackSite.Verify(site, LoopbackSite.Options("kafka"));
        report.Check("k1", "broker api").Status.ShouldBe(HealthStatus.Healthy, LoopbackSite.Describe(report));
        report.Check("k1", "broker api").Detail.ShouldBe("ApiVersions answered: 1 APIs");
        report.Check("k2", "controller api").Status.ShouldBe(HealthStatus.Healthy, LoopbackSite.Describe(report));
    }

    public void Dispose()
    {
        foreach (var stub in _stubs) stub.Dispose();
    }

    /// <summary>Answers GET <c>path</c> with 200 and a body, anything else with 404.</summary>
    private sealed class HttpStub : IDisposable
    {
        private readonly HttpListener _listener = new();

        public HttpStub(int port, string path, string body)
        {
            _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try { context = await _listener.GetContextAsync(); } catch (Exception) { return; }
                    var found = context.Request.Url!.AbsolutePath == path;
                    context.Response.StatusCode = found ? 200 : 404;
                    var bytes = Encoding.UTF8.GetBytes(found ? body : "not found");
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
            });
        }

        public void Dispose() => _listener.Close();
    }

    /// <summary>Reads one ApiVersions v0 request and answers it with the request's correlation id (only a well-formed request gets an answer).</summary>
    private sealed class KafkaStub : IDisposable
    {
        private readonly TcpListener _listener;

        public KafkaStub(int port)
        {
            _listener = new TcpListener(IPAddress.Loopback, port);
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (true)
                {
                    TcpClient client;
                    try { client = await _listener.AcceptTcpClientAsync(); } catch (Exception) { return; }
                    using (client)
                    {
                        var stream = client.GetStream();
                        var size = new byte[4];
                        await stream.ReadExactlyAsync(size);
                        var request = new byte[System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(size)];
                        await stream.ReadExactlyAsync(request);
                        var apiKey = System.Buffers.Binary.BinaryPrimitives.ReadInt16BigEndian(request);
                        if (apiKey != KafkaHealth.ApiVersionsKey) continue;
                        var correlation = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(request.AsSpan(4));
                        var frame = ArtifactProbeJudgeTests.Response(correlation, 0, (18, 0, 4));
                        var prefix = new byte[4];
                        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(prefix, frame.Length);
                        await stream.WriteAsync(prefix);
                        await stream.WriteAsync(frame);
                    }
                }
            });
        }

        public void Dispose() => _listener.Stop();
    }
}
