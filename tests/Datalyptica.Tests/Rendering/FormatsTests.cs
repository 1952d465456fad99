using Datalyptica.Contracts.Formats;

namespace Datalyptica.Tests.Rendering;

public class FormatsTests
{
    [Fact]
    public void Java_properties_round_trip_with_escapes()
    {
        var entries = new Dictionary<string, object?>
        {
            ["listeners"] = "INTERNAL://10.0.0.1:9092",
            ["key with=sep:chars"] = "value with \\ backslash",
            ["multi"] = "line1\nline2",
            ["flag"] = true,
            ["number"] = 3,
            ["skipped"] = null,
        };
        var text = JavaProperties.Write(entries, "header");
        text.ShouldStartWith("# header\n");
        var parsed = JavaProperties.Parse(text);
        parsed["listeners"].ShouldBe("INTERNAL://10.0.0.1:9092");
        parsed["key with=sep:chars"].ShouldBe("value with \\ backslash");
        parsed["multi"].ShouldBe("line1\nline2");
        parsed["flag"].ShouldBe("true");
        parsed["number"].ShouldBe("3");
        parsed.ContainsKey("skipped").ShouldBeFalse();
    }

    [Fact]
    public void Java_properties_parser_handles_continuations_and_separators()
    {
        var parsed = JavaProperties.Parse("a = 1\nb:2\nc 3\n! comment\nd=x\\\n  y\n");
        parsed.ShouldBe(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "3", ["d"] = "xy" });
    }

    [Fact]
    public void Ini_round_trip()
    {
        var text = IniText.Write(new Dictionary<string, IEnumerable<KeyValuePair<string, object?>>>
        {
            ["server"] = new Dictionary<string, object?> { ["http_port"] = 3000, ["root_url"] = "https://x/grafana/" },
            ["database"] = new Dictionary<string, object?> { ["type"] = "postgres" },
        });
        var parsed = IniText.Parse(text);
        parsed["server"]["http_port"].ShouldBe("3000");
        parsed["database"]["type"].ShouldBe("postgres");
    }

    [Fact]
    public void Systemd_unit_has_restart_policy_and_limits()
    {
        var unit = new SystemdUnit("Test", "/opt/x/bin/x --flag", "x") { MemoryMaxMb = 2048, LimitNoFile = 100000 }.Render();
        unit.ShouldContain("Restart=on-failure\n");
        unit.ShouldContain("LimitNOFILE=100000\n");
        unit.ShouldContain("MemoryMax=2048M\n");
        unit.ShouldContain("ExecStart=/opt/x/bin/x --flag\n");
    }

    [Fact]
    public void A_command_line_quotes_each_argument_for_systemd_and_doubles_specifiers_and_dollars()
    {
        SystemdUnit.CommandLine(["/usr/bin/datalyptica", "snapshot", "/srv/my site", "--message", "50% \"done\" $HOME \\x"])
            .ShouldBe("/usr/bin/datalyptica snapshot \"/srv/my site\" --message \"50%% \\\"done\\\" $$HOME \\\\x\"");
        SystemdUnit.CommandLine(["/opt/a", "=b,c:d@e+f"]).ShouldBe("/opt/a =b,c:d@e+f");
        Should.Throw<ArgumentException>(() => SystemdUnit.CommandLine(["/bin/x", "a\nExecStartPre=/bin/evil"])).Message.ShouldContain("control character");
        Should.Throw<ArgumentException>(() => SystemdUnit.CommandLine(["/bin/x", ""]));
    }
}
