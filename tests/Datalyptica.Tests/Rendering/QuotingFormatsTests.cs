using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.Keepalived;
using Datalyptica.Components.Redis;
using Datalyptica.Contracts.Formats;
using Datalyptica.Model;
using Datalyptica.Rendering;

namespace Datalyptica.Tests.Rendering;

/// <summary>
/// Each config writer against hostile values: a value either comes out as exactly one argument/word whose parsed value
/// equals the input, or the writer throws an <see cref="ArgumentException"/> naming it. Where the real program is
/// installed (redis-server, haproxy, nft), it is the parser.
/// </summary>
public sealed class QuotingFormatsTests
{
    public static readonly string[] Hostile =
    [
        "a\nslaveof 6.6.6.6 6379", "a\rb", "a\r\nb", "a\0b", "a\"b", "a'b", "a\\b", "\\", "\"", "a#b", "#a", "a;b", ";a", "$(id)", "${HOME}",
        "`id`", "a b", " a", "a ", "a\tb", "", "a\\x41b", "\\\"", "a\"\nb\"", "{a}", "a}", "!a", "@a", "~SEQ", "a%b", "%[src]",
        "héllo", "ａｂｃ", "a\u202Eb", "a\u200Bb", "a\u2028b", "a\u0085b", "😀", "a\x7fb", "a\x01b", new string('a', 100_000),
        new string('é', 50_000) + "\n",
    ];

    public static TheoryData<string> Corpus()
    {
        var data = new TheoryData<string>();
        foreach (var p in Hostile) data.Add(p);
        return data;
    }

    private static string Show(string s) => s.Length > 40 ? $"{s.Length:N0} characters" : System.Text.Json.JsonSerializer.Serialize(s);

    /// <summary>The value written, or null when the writer refused it with an ArgumentException that names the key.</summary>
    private static string? WriteOrRefuse(Func<string, string, string> write, string value)
    {
        try { return write(value, "test_key"); }
        catch (ArgumentException e)
        {
            e.Message.ShouldContain("test_key");
            return null;
        }
    }

    // ---- redis.conf ----------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Redis_value_is_one_argument_that_reads_back_as_itself(string value)
    {
        var quoted = WriteOrRefuse((v, k) => RedisConf.Quote(v, k), value);
        if (quoted is null) return;
        quoted.ShouldNotContain('\n');
        quoted.ShouldNotContain('\r');
        var args = RedisConf.SplitArgs($"requirepass {quoted}");
        args.ShouldNotBeNull(Show(value));
        args.Count.ShouldBe(2, Show(value));
        RedisConf.Decode(args[1]).ShouldBe(value, Show(value));
    }

    [Fact]
    public void Redis_plain_words_are_written_as_they_are()
    {
        RedisConf.Quote("volatile-lru").ShouldBe("volatile-lru");
        RedisConf.Quote("10.0.0.1").ShouldBe("10.0.0.1");
        RedisConf.Quote("@@secret:vault_redis_password@@").ShouldBe("@@secret:vault_redis_password@@");
        RedisConf.Quote("a b").ShouldBe("\"a b\"");
        RedisConf.Quote("a\nslaveof 6.6.6.6 6379").ShouldBe("\"a\\nslaveof 6.6.6.6 6379\"");
        RedisConf.Quote("é").ShouldBe("\"\\xc3\\xa9\"");
    }

    [Fact]
    public void Redis_refuses_an_unpaired_surrogate_naming_the_key()
    {
        Should.Throw<ArgumentException>(() => RedisConf.Quote("a\uD800b", "redis_x")).Message.ShouldContain("redis_x");
    }

    /// <summary>
    /// The real parser: a redis-server started from a file holding <c>masterauth QUOTED</c> (on a unix socket only, no TCP
    /// port) answers CONFIG GET masterauth with exactly the input's bytes. masterauth, not requirepass, so the client
    /// needs no password to ask.
    /// </summary>
    [Fact]
    public void Redis_server_reads_every_quoted_value_back_byte_for_byte()
    {
        Tool.Resolve("redis-server");
        foreach (var value in Hostile)
        {
            var quoted = WriteOrRefuse((v, k) => RedisConf.Quote(v, k), value);
            if (quoted is null) continue;
            RealRedisConfigGet($"masterauth {quoted}\n", "masterauth").ShouldBe(Encoding.UTF8.GetBytes(value), Show(value));
        }
    }

    /// <summary>Issue 13's example: the setting read already drops a value outside its choices, and the file holds no extra directive.</summary>
    [Fact]
    public void Redis_renderer_never_writes_a_directive_from_a_newline_in_maxmemory_policy()
    {
        var site = WithVars(RenderedSites.Development.Site, (RedisSettings.MaxMemoryPolicy.Key, "volatile-lru\nslaveof 6.6.6.6 6379"));
        var conf = SiteRenderer.Render(site, componentId: "redis").SelectMany(h => h.Files).First(f => f.Path == RedisRenderer.ConfPath).Content;
        conf.Split('\n').ShouldNotContain(l => l.TrimStart().StartsWith("slaveof", StringComparison.Ordinal));
        RedisConf.SplitArgs(conf.Split('\n').Single(l => l.StartsWith("maxmemory-policy ", StringComparison.Ordinal)))!.Count.ShouldBe(2);
    }

    [Fact]
    public void Redis_renderer_refuses_a_site_name_that_would_end_a_comment()
    {
        var site = RenderedSites.Development.Site with { Name = "dev\nslaveof 6.6.6.6 6379" };
        RenderRefusal(() => SiteRenderer.Render(site, componentId: "redis")).Message.ShouldContain("slaveof 6.6.6.6");
    }

    private static byte[] RealRedisConfigGet(string directives, string parameter)
    {
        var dir = Directory.CreateTempSubdirectory("dl-redisq-").FullName;
        var sock = Path.Combine(dir, "r.sock");
        var conf = Path.Combine(dir, "redis.conf");
        File.WriteAllText(conf, $"port 0\nunixsocket {sock}\nunixsocketperm 700\ndir {dir}\nsave \"\"\nappendonly no\ndaemonize no\nlogfile \"\"\n" + directives,
            new UTF8Encoding(false));
        var start = new ProcessStartInfo(Tool.Resolve("redis-server")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(conf);
        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.Append(e.Data).Append('\n'); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.Append(e.Data).Append('\n'); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                if (process.HasExited) lock (output) throw new Xunit.Sdk.XunitException($"redis-server refused the file:\n{output}");
                try { return Resp(sock, "CONFIG", "GET", parameter); }
                catch (SocketException) when (DateTime.UtcNow < deadline) { Thread.Sleep(30); }
            }
        }
        finally
        {
            // Stopped by its own PID (the Process object), never by name.
            if (!process.HasExited) { process.Kill(); process.WaitForExit(5000); }
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>One RESP command over a unix socket; returns the second bulk string of the array reply (CONFIG GET's value).</summary>
    private static byte[] Resp(string socketPath, params string[] command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        var request = new StringBuilder($"*{command.Length}\r\n");
        foreach (var c in command) request.Append($"${Encoding.UTF8.GetByteCount(c)}\r\n{c}\r\n");
        socket.Send(Encoding.UTF8.GetBytes(request.ToString()));
        using var stream = new NetworkStream(socket);
        string Line()
        {
            var sb = new StringBuilder();
            int b;
            while ((b = stream.ReadByte()) != '\n') { if (b < 0) throw new EndOfStreamException(); if (b != '\r') sb.Append((char)b); }
            return sb.ToString();
        }
        byte[] Bulk()
        {
            var header = Line();
            header[0].ShouldBe('$', header);
            var data = new byte[int.Parse(header[1..])];
            stream.ReadExactly(data);
            Line();
            return data;
        }
        Line().ShouldBe("*2");
        Bulk();
        return Bulk();
    }

    // ---- haproxy.cfg ---------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Haproxy_value_is_one_word_that_reads_back_as_itself(string value)
    {
        var quoted = WriteOrRefuse((v, k) => HaproxyConfig.Quote(v, k), value);
        if (quoted is null)
        {
            value.ShouldContain('\0');
            return;
        }
        quoted.ShouldNotContain('\n');
        quoted.ShouldNotContain('\r');
        var words = HaproxyConfig.SplitWords($"    server {quoted} 127.0.0.1:1 check");
        words.ShouldNotBeNull(Show(value));
        words.Count.ShouldBe(4, Show(value));
        words[1].ShouldBe(value, Show(value));
    }

    [Fact]
    public void Haproxy_plain_words_are_written_as_they_are()
    {
        HaproxyConfig.Quote("pg01").ShouldBe("pg01");
        HaproxyConfig.Quote("/replica?lag=100MB").ShouldBe("/replica?lag=100MB");
        HaproxyConfig.Quote("https://grafana.example.com/").ShouldBe("https://grafana.example.com/");
        HaproxyConfig.Quote("${HOME}").ShouldBe("\"\\${HOME}\"");
        HaproxyConfig.Quote("a#b c").ShouldBe("\"a#b c\"");
    }

    /// <summary>
    /// The real parser: haproxy -c accepts a file with one <c>setenv</c> per quoted value, and a running haproxy (stats
    /// socket and frontend on unix sockets only) answers <c>show env</c> with exactly each value.
    /// </summary>
    [Fact]
    public void Haproxy_reads_every_quoted_value_back()
    {
        Tool.Resolve("haproxy");
        var dir = Directory.CreateTempSubdirectory("dl-haproxyq-").FullName;
        // The empty word is valid quoting but setenv wants a value.
        var values = Hostile.Where(v => !v.Contains('\0') && v.Length > 0).ToList();
        var sb = new StringBuilder("global\n");
        for (var i = 0; i < values.Count; i++) sb.Append($"    setenv DLQ{i} {HaproxyConfig.Quote(values[i])}\n");
        sb.Append($"    stats socket {dir}/admin.sock mode 600 level admin\n\n");
        sb.Append($"defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\n\n");
        sb.Append($"frontend f\n    bind unix@{dir}/fe.sock\n    http-request return status 200\n");
        var conf = Path.Combine(dir, "haproxy.cfg");
        File.WriteAllText(conf, sb.ToString(), new UTF8Encoding(false));
        var check = Tool.Run("haproxy", ["-c", "-f", conf]);
        if (check.ExitCode != 0) Directory.Delete(dir, recursive: true);
        check.ExitCode.ShouldBe(0, check.Output);

        var start = new ProcessStartInfo(Tool.Resolve("haproxy")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-db", "-f", conf }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var sock = Path.Combine(dir, "admin.sock");
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (!File.Exists(sock) && DateTime.UtcNow < deadline && !process.HasExited) Thread.Sleep(30);
            // The CLI answers within one buffer (tune.bufsize, 16 KB): longer values are checked by haproxy -c above.
            for (var i = 0; i < values.Count; i++)
            {
                if (values[i].Length > 4000) continue;
                var answer = HaproxyCli(sock, $"show env DLQ{i}\n");
                answer.ShouldStartWith($"DLQ{i}={values[i]}\n", customMessage: Show(values[i]));
            }
        }
        finally
        {
            if (!process.HasExited) { process.Kill(); process.WaitForExit(5000); }
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static string HaproxyCli(string socketPath, string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(socketPath));
        socket.Send(Encoding.UTF8.GetBytes(command));
        using var stream = new NetworkStream(socket);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return Encoding.UTF8.GetString(memory.ToArray());
    }

    /// <summary>The site's domain reaches acl, redirect and health-check lines: each stays one word.</summary>
    [Fact]
    public void Haproxy_renderer_keeps_a_hostile_domain_inside_one_word()
    {
        var site = RenderedSites.Production.Site with { Domain = "example.test evil#x" };
        var config = SiteRenderer.Render(site, componentId: "haproxy").SelectMany(h => h.Files).First(f => f.Path == HAProxyRenderer.ConfigPath).Content;
        var hdr = config.Split('\n').First(l => l.Contains("http-check send", StringComparison.Ordinal));
        HaproxyConfig.SplitWords(hdr)![^1].ShouldBe("example.test evil#x");
        var acl = config.Split('\n').First(l => l.Contains("acl host_", StringComparison.Ordinal));
        HaproxyConfig.SplitWords(acl)![^1].ShouldEndWith(".example.test evil#x");
    }

    // ---- keepalived.conf -----------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Keepalived_value_is_one_word_that_reads_back_as_itself_or_is_refused(string value)
    {
        var quoted = WriteOrRefuse((v, k) => KeepalivedConf.Quote(v, k), value);
        if (quoted is null) return;
        quoted.Length.ShouldBeLessThan(300);
        quoted.IndexOfAny(['\n', '\r', '\0', '$', '\\']).ShouldBe(-1);
        var words = KeepalivedConf.SplitWords($"    router_id {quoted}");
        words.ShouldNotBeNull(Show(value));
        words.ShouldBe(["router_id", value], Show(value));
        // A word of its own: '{' '}' outside quotes would be split off by keepalived's read_line.
        if (!quoted.StartsWith('"')) quoted.IndexOfAny(['{', '}', '!', '#']).ShouldBe(-1);
    }

    /// <summary>
    /// The real parser: keepalived --config-test reads one vrrp_instance per accepted value and names each instance in its
    /// report exactly as written (the instances use lo, which keepalived reports by instance name and skips).
    /// </summary>
    [Fact]
    public void Keepalived_config_test_reads_every_quoted_name_back()
    {
        Tool.Resolve("keepalived");
        var values = Hostile.Where(v => v.Length is > 0 and < 100 && WriteOrRefuse((x, k) => KeepalivedConf.Quote(x, k), v) is not null).ToList();
        values.Count.ShouldBeGreaterThan(10);
        var sb = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
            sb.Append($"vrrp_instance {KeepalivedConf.Quote(values[i])} {{\n    state BACKUP\n    interface lo\n    virtual_router_id {i + 1}\n    priority 100\n" +
                      $"    virtual_ipaddress {{\n        10.255.0.{i + 1}/32 dev lo\n    }}\n}}\n");
        var dir = Directory.CreateTempSubdirectory("dl-keepalivedq-").FullName;
        try
        {
            var file = Path.Combine(dir, "keepalived.conf");
            File.WriteAllText(file, sb.ToString(), new UTF8Encoding(false));
            var result = Tool.Run("keepalived", ["--config-test", "-f", file, "-l", "-D"]);
            result.Output.ShouldNotContain("quote", Case.Insensitive, result.Output);
            result.Output.ShouldNotContain("Unknown keyword", Case.Insensitive, result.Output);
            foreach (var v in values) result.Output.ShouldContain($") ({v}) cannot use a loopback interface", customMessage: Show(v) + "\n" + result.Output);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>A VIP's own interface is model text, not a checked setting: the writer refuses it, naming the key.</summary>
    [Fact]
    public void Keepalived_renderer_refuses_a_newline_in_a_vip_interface()
    {
        var prod = RenderedSites.Production.Site;
        var site = prod with { Vips = prod.Vips.Select(v => v with { Interface = "eth0\n}\nvrrp_script x {" }).ToList() };
        var e = RenderRefusal(() => SiteRenderer.Render(site, componentId: "keepalived"));
        e.Message.ShouldContain(KeepalivedSettings.Interface.Key);
    }

    // ---- nftables ------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Alloy_string_is_one_literal_that_reads_back_as_itself(string value)
    {
        var quoted = AlloyText.Quote(value, "site");
        // One line, one literal: the scanner ends a string at a raw newline, and only the delimiters are unescaped quotes.
        quoted.ShouldNotContain('\n');
        quoted.ShouldNotContain('\r');
        Datalyptica.Tests.Components.Alloy.AlloyLiteral.Read(quoted).ShouldBe(value, Show(value));
    }

    [Theory]
    [InlineData("a\"b", "\"a\\\"b\""), InlineData("a\\b", "\"a\\\\b\""), InlineData("a\nb", "\"a\\nb\""), InlineData("a\u2028b", "\"a\\u2028b\""),
     InlineData("héllo", "\"héllo\""), InlineData("/var/log/**/*.log", "\"/var/log/**/*.log\"")]
    public void Alloy_string_escapes_as_go_quotes_it(string value, string expected) => AlloyText.Quote(value).ShouldBe(expected);

    [Fact]
    public void Alloy_refuses_an_unpaired_surrogate_and_a_bad_identifier_naming_the_key()
    {
        Should.Throw<ArgumentException>(() => AlloyText.Quote("a\ud800b", "site")).Message.ShouldContain("site");
        Should.Throw<ArgumentException>(() => AlloyText.Identifier("a b\n}", "label")).Message.ShouldContain("label");
        AlloyText.Identifier("datalyptica_files").ShouldBe("datalyptica_files");
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Nft_string_reads_back_as_itself_or_is_refused(string value)
    {
        var quoted = WriteOrRefuse((v, k) => NftablesText.Quote(v, k), value);
        if (quoted is null) return;
        // nft's scanner: a quoted string is "[^"]*".
        var m = Regex.Match($"accept comment {quoted}", "^accept comment \"([^\"]*)\"$");
        m.Success.ShouldBeTrue(Show(value));
        m.Groups[1].Value.ShouldBe(value);
    }

    [Theory]
    [InlineData("10.0.0.0/8 }\n\tchain x {"), InlineData("10.0.0.0/8,0.0.0.0/0"), InlineData("0.0.0.0/33"), InlineData("any"), InlineData(""),
     InlineData("10.0.0.1 "), InlineData("::/129"), InlineData("10.0.0.0/+8")]
    public void Nft_address_refuses_what_is_not_one_network(string value) =>
        Should.Throw<ArgumentException>(() => NftablesText.Address(value, "client_networks")).Message.ShouldContain("client_networks");

    [Theory]
    [InlineData("10.0.0.0/8"), InlineData("10.1.2.3"), InlineData("2001:db8::/32"), InlineData("::1")]
    public void Nft_address_writes_networks_as_given(string value) => NftablesText.Address(value).ShouldBe(value);

    [Theory]
    [InlineData("a b"), InlineData("a}"), InlineData("a\n"), InlineData(""), InlineData("1a"), InlineData("a-b;")]
    public void Nft_identifier_refuses_what_is_not_a_name(string value) => Should.Throw<ArgumentException>(() => NftablesText.Identifier(value));

    /// <summary>The real parser: nft -c (in a fresh network namespace) loads a table whose rules carry every quoted string as a comment.</summary>
    [Fact]
    public void Nft_check_accepts_every_quoted_string()
    {
        var sb = new StringBuilder("table inet dlq {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n");
        // nft limits a comment to 128 bytes: long values are for the scanner test above.
        var values = Hostile.Select(v => WriteOrRefuse((x, k) => NftablesText.Quote(x, k), v)).OfType<string>().Where(q => Encoding.UTF8.GetByteCount(q) <= 130).ToList();
        values.Count.ShouldBeGreaterThan(10);
        foreach (var q in values) sb.Append($"\t\ttcp dport 1 accept comment {q}\n");
        sb.Append("\t}\n}\n");
        var dir = Directory.CreateTempSubdirectory("dl-nftq-").FullName;
        try
        {
            var file = Path.Combine(dir, "q.nft");
            File.WriteAllText(file, sb.ToString(), new UTF8Encoding(false));
            var result = Tool.Run("unshare", ["-n", Tool.Resolve("nft"), "-c", "-f", file]);
            result.ExitCode.ShouldBe(0, result.Output + "\n" + sb);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    // ---- chrony.conf ---------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Chrony_word_is_one_word_or_refused(string value)
    {
        var word = WriteOrRefuse((v, k) => ChronyConf.Word(v, k), value);
        if (word is null) return;
        word.ShouldBe(value);
        // chronyd splits on whitespace, with no quoting.
        $"server {word} iburst".Split([' ', '\t', '\n', '\r', '\f', '\v'], StringSplitOptions.RemoveEmptyEntries).ShouldBe(["server", value, "iburst"]);
        value.IndexOfAny(['"', '\'', '\\']).ShouldBe(-1);
    }

    [Fact]
    public void Chrony_accepts_host_names_and_addresses()
    {
        ChronyConf.Word("2.debian.pool.ntp.org").ShouldBe("2.debian.pool.ntp.org");
        ChronyConf.Word("fe80::1%eth0").ShouldBe("fe80::1%eth0");
    }

    // ---- INI (pgBackRest, Grafana, Airflow) ----------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Ini_value_reads_back_as_itself_or_is_refused(string value)
    {
        var written = WriteOrRefuse((v, k) => IniText.Value(v, k), value);
        if (written is null) return;
        IniText.Parse($"[global]\nrepo1-s3-bucket={written}\n")["global"]["repo1-s3-bucket"].ShouldBe(value, Show(value));
    }

    [Fact]
    public void Ini_write_refuses_a_line_break_in_a_value()
    {
        Should.Throw<ArgumentException>(() => IniText.Write(new Dictionary<string, IEnumerable<KeyValuePair<string, object?>>>
        {
            ["server"] = new Dictionary<string, object?> { ["root_url"] = "https://x/\n[security]\nadmin_password = x" },
        })).Message.ShouldContain("root_url");
        Should.Throw<ArgumentException>(() => IniText.Key("a=b"));
    }

    // ---- comments ------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Comment_text_never_ends_the_comment_line(string value)
    {
        var text = WriteOrRefuse((v, k) => FormatGuard.Comment(v, k), value);
        if (text is null) return;
        ("# " + text).Split('\n').Length.ShouldBe(1);
        text.IndexOfAny(['\r', '\0', '\u2028', '\u0085']).ShouldBe(-1);
    }

    /// <summary>The renderer runs hosts in parallel, so a writer's refusal arrives inside an AggregateException.</summary>
    private static ArgumentException RenderRefusal(Action render)
    {
        var e = Should.Throw<Exception>(render);
        while (e is AggregateException { InnerExceptions.Count: > 0 } a) e = a.InnerExceptions[0];
        return e.ShouldBeAssignableTo<ArgumentException>()!;
    }

    private static Site WithVars(Site site, params (string Key, object Value)[] vars)
    {
        var all = new Dictionary<string, Setting>(site.Vars);
        foreach (var (k, v) in vars) all[k] = new Setting(v, null);
        return site with { Vars = all };
    }
}
