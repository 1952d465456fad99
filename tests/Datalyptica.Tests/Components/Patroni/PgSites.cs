using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Patroni;

/// <summary>Helpers for the etcd, Patroni and PostgreSQL render tests.</summary>
internal static partial class PgSites
{
    /// <summary>The site with one host's inventory variable set (a port moved on that host only).</summary>
    public static Site WithHostVar(Site site, string hostName, string key, object value) => site with
    {
        Hosts = site.Hosts.Select(h => h.Name != hostName ? h : h with
        {
            Vars = new Dictionary<string, Setting>(h.Vars) { [key] = new Setting(value, null) },
        }).ToList(),
    };

    public static Site WithSiteVar(Site site, string key, object value) =>
        site with { Vars = new Dictionary<string, Setting>(site.Vars) { [key] = new Setting(value, null) } };

    /// <summary>
    /// This machine has PostgreSQL 15 (Debian 12), the seed pins 16: validators that look at bin_dir get a site
    /// rendered for the installed major, which is what the renderer would produce for a site that pins 15.
    /// </summary>
    public static Site WithPostgres(Site site, string version) =>
        site with { Versions = new Dictionary<string, string>(site.Versions) { ["postgresql"] = version } };

    public static IReadOnlyList<RenderedFile> Files(Site site, string host) => SiteRenderer.Render(site, host).Single().Files;

    /// <summary>A loopback HTTP server answering every request with <paramref name="body"/>'s bytes at that moment (a Patroni REST stand-in for a check script).</summary>
    public static (HttpListener Listener, string Url) Serve(Func<byte[]> body)
    {
        var listener = new HttpListener();
        var port = FreePort();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                await context.Response.OutputStream.WriteAsync(body());
                context.Response.Close();
            }
        });
        return (listener, $"http://127.0.0.1:{port}");
    }

    public static Dictionary<object, object> Yaml(string text) => (Dictionary<object, object>)Datalyptica.Contracts.Formats.YamlText.Parse(text)!;

    public static Dictionary<object, object> Map(this Dictionary<object, object> d, string key) => (Dictionary<object, object>)d[key];
    public static List<object> List(this Dictionary<object, object> d, string key) => (List<object>)d[key];
    public static string Str(this Dictionary<object, object> d, string key) => (string)d[key];

    [GeneratedRegex(@"(?<![\d.])\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.])")]
    public static partial Regex Ipv4();

    /// <summary>
    /// Maps every site address to its own loopback address (127.0.x.y, never 127.0.0.1), so validators that
    /// bind or connect can run here: the addresses change, nothing else does.
    /// </summary>
    public static Dictionary<string, string> LoopbackMap(Site site)
    {
        var map = new Dictionary<string, string>();
        var i = 0;
        foreach (var a in site.Hosts.Select(h => h.Address).Concat(site.Vips.Select(v => v.Address)))
        {
            i++;
            map[a.ToString()] = $"127.0.{1 + i / 250}.{2 + i % 250}";
        }
        return map;
    }

    public static string ToLoopback(string text, Dictionary<string, string> map) =>
        Ipv4().Replace(text, m => map.GetValueOrDefault(m.Value, m.Value));

    /// <summary>A free TCP port on loopback.</summary>
    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>A self-signed certificate for 127.0.0.1, usable as CA, server and client certificate (openssl).</summary>
    public static (string Cert, string Key) SelfSignedCert(string dir)
    {
        var cert = Path.Combine(dir, "test.crt");
        var key = Path.Combine(dir, "test.key");
        var r = Tool.Run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=test", "-addext", "subjectAltName=IP:127.0.0.1", "-days", "1", "-keyout", key, "-out", cert]);
        r.ExitCode.ShouldBe(0, r.Output);
        return (cert, key);
    }

    public static string TempDir(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static T Timed<T>(Func<T> f, out TimeSpan elapsed)
    {
        var sw = Stopwatch.StartNew();
        var r = f();
        elapsed = sw.Elapsed;
        return r;
    }

    public static IEnumerable<Host> Members(Site site, RoleDefinition role) => site.HostsWith(role);
}
