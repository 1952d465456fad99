using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Datalyptica.Cli;
using Datalyptica.Cli.Commands;
using Datalyptica.Contracts.Health;
using Datalyptica.Engine.Artifacts;
using Datalyptica.Engine.Planning;
using Datalyptica.Verification;
using Spectre.Console;

namespace Datalyptica.Tests.Verification;

/// <summary>
/// verify never calls a stand-in healthy: a loopback server giving the stand-in's signature (its HTTP header, its JSON
/// body, its line on Kafka's binary port) makes the probe say "started (stand-in artifact)", a real answer is still
/// judged, a component whose site artifact is a stand-in has no healthy check, and only a lab site passes with them.
/// </summary>
public sealed class StandInProbeTests : IDisposable
{
    private readonly List<IDisposable> _stubs = [];
    public void Dispose()
    {
        foreach (var stub in _stubs) stub.Dispose();
    }

    private int Serve(Func<HttpListenerContext, Task> answer)
    {
        var port = ServerProcess.FreePort();
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _stubs.Add(listener);
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync(); } catch (Exception) { return; }
                await answer(context);
                context.Response.Close();
            }
        });
        return port;
    }

    // The stand-in's answer to any path: 200, its header (unless left out) and its JSON body.
    private int StandIn(string artifact, string version, bool header = true) => Serve(async context =>
    {
        context.Response.StatusCode = 200;
        if (header) context.Response.AddHeader(StandInSignature.Header, $"{artifact} {version}");
        context.Response.ContentType = "application/json";
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(
            $$"""{"standIn": true, "artifact": "{{artifact}}", "version": "{{version}}", "message": "stand-in for {{artifact}} {{version}}: not the real service (datalyptica lab)"}"""));
    });

    private int Real(string body) => Serve(async context =>
    {
        context.Response.StatusCode = 200;
        await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(body));
    });

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // the JSON body alone
    public void An_http_probe_answered_by_a_stand_in_says_started_never_healthy(bool header)
    {
        var port = StandIn("trino", "469", header);
        var site = LoopbackSite.Of("vt", [LoopbackSite.Host("t1", ["trino_coordinator"], ("trino_http_port", port))]);
        var report = LoopbackSite.Verify(site, LoopbackSite.Options("trino"));
        var info = report.Check("t1", "info");
        info.Status.ShouldBe(HealthStatus.StandIn, LoopbackSite.Describe(report));
        info.Detail.ShouldBe("started (stand-in artifact): trino 469 answered GET /v1/info");
        report.AllHealthy.ShouldBeFalse(); // a site that is not a lab: a stand-in fails the run

        var lab = LoopbackSite.Verify(site with { Environment = "lab" }, LoopbackSite.Options("trino"));
        lab.Check("t1", "info").Status.ShouldBe(HealthStatus.StandIn);
        lab.AllHealthy.ShouldBeTrue(LoopbackSite.Describe(lab));
        lab.Summary.ShouldContain("1 stand-in");
    }

    [Fact]
    public void A_real_answer_is_still_judged_healthy()
    {
        var port = Real("""{"nodeVersion":{"version":"469"},"coordinator":true,"starting":false}""");
        var site = LoopbackSite.Of("vt", [LoopbackSite.Host("t1", ["trino_coordinator"], ("trino_http_port", port))]);
        var report = LoopbackSite.Verify(site, LoopbackSite.Options("trino"));
        report.Check("t1", "info").Status.ShouldBe(HealthStatus.Healthy, LoopbackSite.Describe(report));
        report.Summary.ShouldContain("0 stand-in");
    }

    [Fact]
    public void Every_probe_of_a_component_recognises_it_and_its_cluster_check_is_not_judged()
    {
        // Spark's master and worker probes (ProbeKit.HttpAsync) meet stand-ins; the cluster check that judges the masters'
        // answers has nothing real to judge.
        int master = StandIn("spark", "3.5.4"), worker = StandIn("spark", "3.5.4");
        var site = LoopbackSite.Of("vt",
        [
            LoopbackSite.Host("s1", ["spark_master"], ("spark_master_ui_port", master)),
            LoopbackSite.Host("s2", ["spark_worker"], ("spark_worker_ui_port", worker)),
        ]);
        var report = LoopbackSite.Verify(site, LoopbackSite.Options("spark"));
        report.Checks.ShouldAllBe(c => c.Status == HealthStatus.StandIn, LoopbackSite.Describe(report));
        report.Check("cluster", "leader").Detail.ShouldStartWith("started (stand-in artifact): not judged");
    }

    [Fact]
    public void The_kafka_probe_reads_the_stand_ins_line_on_the_binary_port()
    {
        var port = ServerProcess.FreePort();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        _stubs.Add(listener);
        _ = Task.Run(async () =>
        {
            while (true)
            {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(); } catch (Exception) { return; }
                using (client)
                {
                    var stream = client.GetStream();
                    await stream.WriteAsync("DATALYPTICA-STAND-IN kafka 3.9.0\n"u8.ToArray());
                    // Drain the request until the probe closes, so the close sends no reset over the line.
                    var buffer = new byte[256];
                    try { while (await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(3)) > 0) { } } catch (Exception) { }
                }
            }
        });
        var site = LoopbackSite.Of("vt", [LoopbackSite.Host("k1", ["kafka_broker"], ("kafka_broker_port", port))]);
        var report = LoopbackSite.Verify(site, LoopbackSite.Options("kafka"));
        var api = report.Check("k1", "broker api");
        api.Status.ShouldBe(HealthStatus.StandIn, LoopbackSite.Describe(report));
        api.Detail.ShouldBe("started (stand-in artifact): kafka 3.9.0 answered a Kafka ApiVersions request");
    }

    [Fact]
    public void A_component_whose_site_artifact_is_a_stand_in_has_no_healthy_check()
    {
        var dir = Path.Combine(Path.GetTempPath(), "dl-standin-site-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            var site = LoopbackSite.Of("vt", [LoopbackSite.Host("k1", ["kafka_broker"]), LoopbackSite.Host("t1", ["trino_coordinator"])]) with { Directory = dir };
            var kafka = Datalyptica.Components.ComponentCatalog.Find("kafka")!.Releases.Single(r => r.Version == site.Versions.GetValueOrDefault("kafka", "3.9.0"));
            var store = SiteArtifactStore.ForSite(dir);
            Directory.CreateDirectory(Path.GetDirectoryName(store.PathOf(kafka))!);
            File.WriteAllText(store.PathOf(kafka), "stand-in");
            File.WriteAllText(store.StandInMarkerOf(kafka), "stand-in\n");
            var catalog = ArtifactCatalog.FromSite(site);
            catalog.IsStandIn("kafka").ShouldBeTrue();
            catalog.IsStandIn("trino").ShouldBeFalse();
            catalog.IsStandIn("jdk").ShouldBeFalse();
            catalog.StandIns().ShouldBe(["kafka"]);

            var marked = Verifier.MarkStandIns(site,
            [
                HealthCheck.Healthy("kafka", "k1", "unit kafka.service", "active (running)", TimeSpan.Zero),
                HealthCheck.Failed("kafka", "k1", "broker api", "connection refused", TimeSpan.Zero),
                HealthCheck.Healthy("trino", "t1", "info", "Trino 469", TimeSpan.Zero),
            ]).ToList();
            marked[0].Status.ShouldBe(HealthStatus.StandIn);
            marked[0].Detail.ShouldBe("started (stand-in artifact): the site's kafka artifact is a stand-in; active (running)");
            marked[1].Status.ShouldBe(HealthStatus.Failed); // a host's failure stays a failure
            marked[2].Status.ShouldBe(HealthStatus.Healthy);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Only_a_lab_site_passes_with_stand_ins()
    {
        HealthCheck[] checks =
        [
            HealthCheck.Healthy("etcd", "a1", "health", "ok", TimeSpan.Zero),
            new("kafka", "k1", "broker api", HealthStatus.StandIn, "started (stand-in artifact): kafka 3.9.0 answered a Kafka ApiVersions request", TimeSpan.Zero),
        ];
        new VerifyReport("vt", checks, TimeSpan.Zero, Lab: true).AllHealthy.ShouldBeTrue();
        new VerifyReport("vt", checks, TimeSpan.Zero, Lab: false).AllHealthy.ShouldBeFalse();
        new VerifyReport("vt", checks, TimeSpan.Zero).AllHealthy.ShouldBeFalse();
        new VerifyReport("vt", checks, TimeSpan.Zero, Lab: true).Summary.ShouldStartWith("2 checks: 1 healthy, 1 stand-in, 0 warning");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_table_and_json_label_it(bool lab)
    {
        HealthCheck[] checks =
        [
            HealthCheck.Healthy("etcd", "a1", "health", "ok", TimeSpan.Zero),
            new("kafka", "k1", "broker api", HealthStatus.StandIn, "started (stand-in artifact): kafka 3.9.0 answered a Kafka ApiVersions request", TimeSpan.Zero),
        ];
        var report = new VerifyReport("vt", checks, TimeSpan.Zero, Lab: lab);

        var writer = new StringWriter();
        var io = new CliIo(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), ColorSystem = ColorSystemSupport.NoColors }), TextWriter.Null);
        io.Out.Profile.Width = 250;
        VerifyCommand.Render(io, report, OutputFormat.Human);
        var table = writer.ToString();
        table.ShouldContain("started (stand-in artifact)");
        if (lab) table.ShouldContain("started, with stand-in artifacts (lab): 2 checks: 1 healthy, 1 stand-in");
        else
        {
            table.ShouldContain("NOT healthy: 2 checks: 1 healthy, 1 stand-in");
            table.ShouldContain("on a site that is not a lab");
        }

        var json = new StringWriter();
        var jsonIo = new CliIo(AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(json), ColorSystem = ColorSystemSupport.NoColors }), TextWriter.Null);
        VerifyCommand.Render(jsonIo, report, OutputFormat.Json);
        using var doc = JsonDocument.Parse(json.ToString());
        var root = doc.RootElement;
        root.GetProperty("healthy").GetBoolean().ShouldBeFalse();
        root.GetProperty("passed").GetBoolean().ShouldBe(lab);
        root.GetProperty("summary").GetProperty("standIn").GetInt32().ShouldBe(1);
        root.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("component").GetString() == "kafka").GetProperty("status").GetString().ShouldBe("standIn");
    }
}
