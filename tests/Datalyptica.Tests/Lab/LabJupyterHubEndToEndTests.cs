using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.JupyterHub;
using Datalyptica.Lab;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;
using Xunit.Abstractions;

namespace Datalyptica.Tests.Lab;

/// <summary>
/// Issue 14, deliverable 6: JupyterHub 3.0 from Debian 12's package, active/passive on lab01 and lab02 behind HAProxy, on
/// its own lab (bridge dl-labtest4, 10.77.95.0/24). lab up, apply of every layer, then through the VIP and HAProxy's HTTPS
/// front door only (the site CA checked): the login page answers, the lab's local account logs in with PAM (its password
/// from the vault) and is sent on to its server, a wrong password is refused; then the active hub stops and the passive one
/// answers through HAProxy, the session still valid (shared cookie secret and database). Always downs the lab.
/// </summary>
[Trait("Category", "Lab")]
[Collection(LabCollection.Name)]
public sealed partial class LabJupyterHubEndToEndTests(ITestOutputHelper output)
{
    private static readonly LabOptions Options = new() { Name = "e2e-jupyter", Bridge = "dl-labtest4", Subnet = "10.77.95", JupyterHub = true };
    /// <summary>HAProxy marks the active hub down after 3 failed checks 3 s apart (inter 3s fall 3); measured 7.73 s on 2026-12-06 (docs/LAB.md).</summary>
    private static readonly TimeSpan FailoverLimit = TimeSpan.FromSeconds(20);

    [LabProofFact]
    public async Task JupyterHub_from_Debian_logs_in_through_HAProxy_refuses_a_wrong_password_and_fails_over_to_the_passive_hub()
    {
        // A bound, not a budget: about 6 min on a quiet machine; the first apply alone took 30 min (01:19-01:49) at a load
        // average of 55 on 2026-12-06, when the 20 min bound cancelled the run right after it.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(45));
        var lab = new LabManager(Options, output.WriteLine);
        var site = Path.Combine(Options.LabDirectory, "site");
        try
        {
            await output.TimedAsync("lab up", () => lab.UpAsync(3, null, timeout.Token, recreate: true));
            output.Timed("first apply (every layer)", () => CliRunner.Run("apply", "--auto-approve", site).ShouldSucceed());

            var vaultPassword = new Secret(File.ReadAllText(Path.Combine(site, SiteLoader.SiteVaultPasswordFile)).Trim());
            var secrets = SiteWriter.ReadSecrets(site, vaultPassword);
            var vip = $"{Options.Subnet}.100";
            // apply created JupyterHub's role and database on the Patroni leader (the application-database contract).
            var logins = await LabAppDatabaseChecks.LogInAsEveryApplicationRoleAsync(site, vaultPassword, output.WriteLine, timeout.Token);
            logins.ShouldContain(l => l.StartsWith("jupyterhub@", StringComparison.Ordinal));

            var verify = output.Timed("verify --component jupyterhub --wait", () =>
                CliRunner.Run("verify", site, "--component", "jupyterhub", "--wait", "120", "--output", "json").ShouldSucceed());
            var checks = JsonDocument.Parse(verify.Out).RootElement.GetProperty("checks").EnumerateArray()
                .Where(c => c.GetProperty("check").GetString() == "hub health").ToList();
            checks.Select(c => c.GetProperty("host").GetString()).Order().ShouldBe(["lab01", "lab02"]);
            checks.ShouldAllBe(c => c.GetProperty("status").GetString() == "healthy");
            output.Timed("second apply", () => CliRunner.Run("apply", "--auto-approve", site).ShouldSucceed()).Out.ShouldContain("applied 0 change(s)");

            // Through the front door only: https://VIP/jupyter/, HAProxy's certificate checked against the site's CA.
            var user = "analyst";
            var password = secrets[JupyterHubSettings.LocalUserPasswordKey].Reveal();
            using var http = FrontDoor(site, out var cookies);
            var baseUrl = new Uri($"https://{vip}:{HAProxyComponent.Https.Number}/jupyter/hub/");

            var loginPage = await http.GetAsync(new Uri(baseUrl, "login"), timeout.Token);
            var loginHtml = await loginPage.Content.ReadAsStringAsync(timeout.Token);
            loginPage.StatusCode.ShouldBe(HttpStatusCode.OK, loginHtml);
            loginHtml.ShouldContain("password_input");

            // A wrong password: the login page again with JupyterHub's error, no session.
            var refused = await PostLoginAsync(http, baseUrl, loginHtml, user, password + "x", timeout.Token);
            refused.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await refused.Content.ReadAsStringAsync(timeout.Token)).ShouldContain("Invalid username or password");
            cookies.GetCookies(baseUrl).Any(c => c.Name == "jupyterhub-session-id" && c.Value.Length > 0).ShouldBeFalse();

            // The right one: JupyterHub sends the user on to start their server, and the session opens the hub's home page.
            var accepted = await PostLoginAsync(http, baseUrl, loginHtml, user, password, timeout.Token);
            accepted.StatusCode.ShouldBe(HttpStatusCode.Found, await accepted.Content.ReadAsStringAsync(timeout.Token));
            var next = accepted.Headers.Location.ShouldNotBeNull().ToString();
            output.WriteLine($"login as {user}: 302 to {next}");
            next.ShouldMatch("^(/jupyter/hub/spawn|/jupyter/user/analyst/)");
            (await HomeAsync(http, baseUrl, timeout.Token)).ShouldContain(user);

            // Failover: stop the active hub (lab01); HAProxy sends to the passive one (lab02, `backup`) once its checks fail.
            var health = new Uri(baseUrl, "health");
            (await http.GetAsync(health, timeout.Token)).StatusCode.ShouldBe(HttpStatusCode.OK);
            var watch = Stopwatch.StartNew();
            Rendering.Tool.Run("ssh", lab.SshArguments("lab01", ["systemctl", "stop", "jupyterhub"])).ExitCode.ShouldBe(0);
            var stopped = watch.Elapsed;
            var failures = 0;
            while (true)
            {
                timeout.Token.ThrowIfCancellationRequested();
                watch.Elapsed.ShouldBeLessThan(FailoverLimit, "the passive hub did not answer through HAProxy");
                using var probe = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    if ((await http.GetAsync(health, probe.Token)).StatusCode == HttpStatusCode.OK) break;
                    failures++;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { failures++; }
                await Task.Delay(100, timeout.Token);
            }
            output.WriteLine($"failover: the passive hub answers through HAProxy {watch.Elapsed.TotalSeconds:0.00} s after the stop began " +
                             $"(systemctl stop took {stopped.TotalSeconds:0.00} s; {failures} failed requests; limit {FailoverLimit.TotalSeconds:0} s)");
            // The same session on the passive hub: the cookie secret and the database are shared.
            (await HomeAsync(http, baseUrl, timeout.Token)).ShouldContain(user);
            Rendering.Tool.Run("ssh", lab.SshArguments("lab02", ["journalctl", "-u", "jupyterhub", "--no-pager", "-n", "400"])).Stdout
                .ShouldContain("/jupyter/hub/home");

            // No secret in what the runs left on the control node.
            foreach (var journal in Directory.GetFiles(Path.Combine(site, ".datalyptica", "journal"), "*.jsonl"))
            {
                var text = File.ReadAllText(journal);
                foreach (var secret in secrets.Values) text.ShouldNotContain(secret.Reveal());
            }
        }
        finally
        {
            await lab.DownAsync(CancellationToken.None);
        }
        LabSystem.LinkExists(Options.Bridge).ShouldBeFalse();
    }

    /// <summary>An HTTPS client that trusts only the site's CA (HAProxy's certificate names the VIPs), keeps cookies, never follows redirects.</summary>
    private static HttpClient FrontDoor(string site, out CookieContainer cookies)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(site, "pki", "ca.crt")));
        cookies = new CookieContainer();
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            CookieContainer = cookies,
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>
    /// The login form as a browser sends it. JupyterHub 3.0's form has no _xsrf field (4.1 added one); when a page carries
    /// one, it goes back with its cookie, as a browser would.
    /// </summary>
    private static Task<HttpResponseMessage> PostLoginAsync(HttpClient http, Uri baseUrl, string loginHtml, string user, string password, CancellationToken cancellation)
    {
        var fields = new List<KeyValuePair<string, string>> { new("username", user), new("password", password) };
        if (XsrfField().Match(loginHtml) is { Success: true } xsrf) fields.Add(new("_xsrf", WebUtility.HtmlDecode(xsrf.Groups[1].Value)));
        return http.PostAsync(new Uri(baseUrl, "login"), new FormUrlEncodedContent(fields), cancellation);
    }

    private static async Task<string> HomeAsync(HttpClient http, Uri baseUrl, CancellationToken cancellation)
    {
        var home = await http.GetAsync(new Uri(baseUrl, "home"), cancellation);
        var html = await home.Content.ReadAsStringAsync(cancellation);
        home.StatusCode.ShouldBe(HttpStatusCode.OK, $"the session was not accepted: {home.StatusCode} {home.Headers.Location}");
        return html;
    }

    [GeneratedRegex("name=\"_xsrf\"\\s+value=\"([^\"]*)\"")]
    private static partial Regex XsrfField();
}
