using System.IO.Compression;
using System.Text.RegularExpressions;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Reports;
using Datalyptica.Sites;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// `report`: one self-contained page, opened by a real browser. The site's verify runs for real against loopback hosts
/// nothing answers on (every check fails, and is saved); the plan summary is of a real plan; a drill's saved result
/// carries markup, which the page must show as text. Headless Chromium (Debian's) opens the file in a network namespace
/// of its own (no route anywhere), dumps the DOM and takes a screenshot.
/// </summary>
public sealed class ReportTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    [Fact]
    public void The_report_lists_every_host_and_the_saved_results_and_Chromium_renders_it_not_blank()
    {
        var site = LoopbackSites.Unreachable(_fx, "dev", 161);
        var verify = CliRunner.Run("verify", site, "--timeout", "2", "--vault-password-file", _fx.PasswordFile, "--known-hosts", _fx.PathOf("known_hosts"));
        verify.ExitCode.ShouldNotBe(0, "nothing answers on loopback");
        LastResults.Read(site, LastResults.Verify).ShouldNotBeNull("a whole-site verify is saved for the report");

        var loaded = SiteLoader.Load(site, () => new Datalyptica.Secrets.Secret(File.ReadAllText(_fx.PasswordFile).Trim())).Site.ShouldNotBeNull();
        var prepared = DesiredStateBuilder.Build(loaded, Datalyptica.Rendering.SiteRenderer.Render(loaded), ArtifactCatalog.FromSite(loaded));
        var plan = Planner.Build(loaded.Name, prepared, _ => HostFacts.EmptyDebian12, new PlanOptions());
        LastResults.Save(site, LastResults.Plan, new { summary = PlanSummary.Of(plan) }, Datalyptica.Cli.Commands.Cli.Json);
        LastResults.Save(site, LastResults.DrillName("patroni-crash"), new
        {
            drill = "patroni-crash", passed = false,
            measurements = new[] { new { name = "<script>alert(1)</script>", seconds = 31.5, limitSeconds = 30.0, passed = false } },
            writes = new { acknowledged = 1200, lost = 0 },
        }, Datalyptica.Cli.Commands.Cli.Json);

        var page = _fx.PathOf("report.html");
        CliRunner.Run("report", site, "--out", page).ShouldSucceed().Out.ShouldContain($"written to {page}");
        var html = File.ReadAllText(page);
        html.ShouldNotContain("<script", Case.Insensitive);
        html.ShouldContain("&lt;script&gt;alert(1)&lt;/script&gt;");
        // Self-contained: nothing is fetched (the SVG namespace is a name, not a request).
        Regex.Matches(html, "(?:src|href)\\s*=", RegexOptions.IgnoreCase).ShouldBeEmpty();
        html.ShouldContain($"{plan.PendingCount} change(s) pending");

        var dom = Chromium(page, "--dump-dom");
        var hosts = Regex.Matches(dom, "<td class=\"host\">([^<]+)</td>").Select(m => m.Groups[1].Value).ToList();
        hosts.ShouldBe(loaded.Hosts.Select(h => h.Name).ToList(), "the DOM lists every host, in inventory order");
        Regex.Matches(dom, "<td class=\"bad\">failed</td>").Count.ShouldBeGreaterThan(0, "the saved verify's failed checks, in colour");
        dom.ShouldContain("<svg");

        var png = _fx.PathOf("report.png");
        Chromium(page, $"--screenshot={png}", "--window-size=1280,1600");
        var (width, height, pixels) = Png.Decode(File.ReadAllBytes(png));
        (width, height).ShouldBe((1280, 1600));
        var colours = pixels.Distinct().Count();
        var background = pixels.GroupBy(p => p).MaxBy(g => g.Count())!.Key;
        var painted = pixels.Count(p => p != background) / (double)pixels.Length;
        colours.ShouldBeGreaterThan(50, "a page with text, tables, cards and a picture has many colours");
        painted.ShouldBeGreaterThan(0.05, $"only {painted:P1} of the screenshot differs from its background");
    }

    /// <summary>Headless Chromium on the file, with no network at all (a new network namespace holds only a down loopback).</summary>
    private static string Chromium(string page, params string[] args)
    {
        var profile = Directory.CreateTempSubdirectory("dl-chromium-").FullName;
        try
        {
            var result = ExternalTool.Run("unshare", ["--net", "--map-root-user", "--", "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--hide-scrollbars", $"--user-data-dir={profile}",
                .. args, new Uri(page).AbsoluteUri]);
            result.ExitCode.ShouldBe(0, result.Stderr);
            return result.Stdout;
        }
        finally { Directory.Delete(profile, recursive: true); }
    }
}

/// <summary>The least of a PNG decoder a screenshot check needs: 8-bit RGB or RGBA, non-interlaced, every row filter.</summary>
internal static class Png
{
    public static (int Width, int Height, uint[] Pixels) Decode(byte[] file)
    {
        int width = 0, height = 0, channels = 0;
        using var idat = new MemoryStream();
        for (var at = 8; at < file.Length;)
        {
            var length = (file[at] << 24) | (file[at + 1] << 16) | (file[at + 2] << 8) | file[at + 3];
            var type = System.Text.Encoding.ASCII.GetString(file, at + 4, 4);
            var data = file.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                width = (data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3];
                height = (data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7];
                data[8].ShouldBe((byte)8, "bit depth");
                channels = data[9] switch { 2 => 3, 6 => 4, _ => throw new InvalidDataException($"colour type {data[9]}") };
                data[12].ShouldBe((byte)0, "not interlaced");
            }
            else if (type == "IDAT") idat.Write(data);
            at += 12 + length;
        }
        using var raw = new MemoryStream();
        idat.Position = 0;
        using (var z = new ZLibStream(idat, CompressionMode.Decompress)) z.CopyTo(raw);
        var bytes = raw.ToArray();
        var stride = width * channels;
        var previous = new byte[stride];
        var pixels = new uint[width * height];
        for (var y = 0; y < height; y++)
        {
            var filter = bytes[y * (stride + 1)];
            var row = bytes.AsSpan(y * (stride + 1) + 1, stride);
            for (var x = 0; x < stride; x++)
            {
                int a = x >= channels ? row[x - channels] : 0, b = previous[x], c = x >= channels ? previous[x - channels] : 0;
                row[x] = (byte)(row[x] + filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"row filter {filter}"),
                });
            }
            for (var x = 0; x < width; x++)
                pixels[y * width + x] = (uint)(row[x * channels] << 16 | row[x * channels + 1] << 8 | row[x * channels + 2]);
            row.CopyTo(previous);
        }
        return (width, height, pixels);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
