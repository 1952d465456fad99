using System.Net;
using System.Net.Sockets;
using Datalyptica.Cli;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Tests.Engine.Transport;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// Every verb that touches hosts opens its site one way (SiteSession, issue 12 deliverable 7): a site with a validation
/// error is refused with the validator's findings, exit 1, and no host contacted; the vault password is found in the
/// same order by every verb.
/// </summary>
public sealed class SiteOpeningTests : IDisposable
{
    public const string Right = "R1ght-Vault-Passw0rd-51e0";
    public const string Wrong = "Wr0ng-Vault-Passw0rd-9c2d";

    private static readonly IReadOnlyList<IPAddress> Addresses = Enumerable.Range(71, 15).Select(i => IPAddress.Parse($"127.0.0.{i}")).ToList();

    private readonly SiteFixture _fixture = new();
    private readonly HostPorts _hosts = new(Addresses);
    private readonly string _site;
    private readonly string _key;
    private readonly string _knownHosts;
    private readonly string _rightFile;
    private readonly string _wrongFile;

    public SiteOpeningTests()
    {
        _rightFile = _fixture.Write("right.txt", Right + "\n");
        _wrongFile = _fixture.Write("wrong.txt", Wrong + "\n");
        _site = _fixture.PathOf("site");
        var ips = _fixture.Write("ips.txt", string.Join('\n', Addresses) + "\n");
        CliRunner.Run("inventory", "generate", "--profile", "development", "--ips", ips, "--vip", "127.0.0.150/24",
            "--out", _site, "--vault-password-file", _rightFile).ShouldSucceed();
        // Every host's SSH port is the counting listener: a verb that reaches for any host is seen.
        File.AppendAllText(Path.Combine(_site, "group_vars", "all.yml"), $"ansible_port: {_hosts.Port}\n");
        _knownHosts = _fixture.Write("known_hosts", "");
        _key = _fixture.PathOf("id_ed25519");
        Tools.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", _key).ExitCode.ShouldBe(0);
    }

    public void Dispose()
    {
        _hosts.Dispose();
        _fixture.Dispose();
    }

    public static TheoryData<string> HostVerbs => new() { "plan", "apply", "verify", "backup", "drill" };

    private string[] Args(string verb, params string[] extra)
    {
        string[] ssh = ["--known-hosts", _knownHosts, "--private-key", _key];
        string[] args = verb switch
        {
            "plan" => ["plan", _site, .. ssh],
            "apply" => ["apply", _site, .. ssh],
            "verify" => ["verify", _site, "--timeout", "2", .. ssh],
            "backup" => ["backup", _site, "info", .. ssh],
            "drill" => ["drill", _site, "patroni-stop"],
            "validate" => ["validate", _site],
            "render" => ["render", _site, "--out", _fixture.PathOf("rendered")],
            _ => throw new ArgumentException(verb),
        };
        return [.. args, .. extra];
    }

    /// <summary>A port the validator refuses (DL202 at group_vars/processing.yml:2); the error lines `validate` prints for it.</summary>
    private IReadOnlyList<string> BreakSite()
    {
        var file = Path.Combine(_site, "group_vars", "processing.yml");
        File.WriteAllText(file, File.ReadAllText(file).Replace("flink_rest_port: 8082", "flink_rest_port: 80a"));
        var validate = CliRunner.Run("validate", _site, "--vault-password-file", _rightFile).ShouldFail();
        var errors = ErrorLines(validate.Err);
        errors.ShouldContain(l => l.Contains("group_vars/processing.yml:2") && l.Contains("flink_rest_port"), validate.ToString());
        return errors;
    }

    private static List<string> ErrorLines(string stderr) =>
        stderr.Split('\n').Where(l => l.StartsWith("error DL", StringComparison.Ordinal)).ToList();

    [Theory]
    [MemberData(nameof(HostVerbs))]
    public void A_site_with_a_validation_error_is_refused_with_its_findings_before_any_host_is_contacted(string verb)
    {
        var findings = BreakSite();

        var result = CliRunner.Run(Args(verb, "--vault-password-file", _rightFile)).ShouldFail();

        ErrorLines(result.Err).ShouldBe(findings, result.ToString()); // the validator's errors, as validate prints them
        result.Err.ShouldContain("error: the site has errors; fix them (datalyptica validate) before ", Case.Sensitive, result.ToString());
        result.Out.ShouldBeEmpty(result.ToString());
        Thread.Sleep(300); // a handshake started in the background would arrive within this
        _hosts.Accepted.ShouldBe(0, $"{verb} contacted a host of a site it refused\n{result}");
    }

    /// <summary>The counterpart that shows the listener sees a verb that does reach for hosts (drills need a lab: Lab/).</summary>
    [Theory]
    [InlineData("plan")]
    [InlineData("apply")]
    [InlineData("verify")]
    [InlineData("backup")]
    public void The_same_site_without_the_error_is_opened_and_its_hosts_are_contacted(string verb)
    {
        var result = CliRunner.Run(Args(verb, "--vault-password-file", _rightFile));

        result.ExitCode.ShouldNotBe(DatalypticaCli.Ok, result.ToString()); // nothing answers SSH there
        result.Err.ShouldNotContain("the site has errors", Case.Sensitive, result.ToString());
        _hosts.Accepted.ShouldBeGreaterThan(0, result.ToString());
    }

    /// <summary>One arrangement of password sources and whether the right password wins.</summary>
    public sealed record Arrangement(string Name, string? Option, string? SiteFile, string? PasswordVariable, string? PasswordFileVariable, bool RightWins);

    // The whole order: --vault-password-file, DATALYPTICA_VAULT_PASSWORD, ANSIBLE_VAULT_PASSWORD_FILE, SITE/.vault-password
    // (each pair of neighbours once, the wrong password on the loser's side), and a source that is given is never skipped.
    private static readonly Arrangement[] Arrangements =
    [
        new("the site's .vault-password when nothing else is given", null, Right, null, null, true),
        new("--vault-password-file before the site's file", "right", Wrong, null, null, true),
        new("--vault-password-file, not a fallback to the site's file", "wrong", Right, null, null, false),
        new("--vault-password-file before DATALYPTICA_VAULT_PASSWORD", "right", Wrong, Wrong, null, true),
        new("DATALYPTICA_VAULT_PASSWORD before ANSIBLE_VAULT_PASSWORD_FILE", null, Wrong, Right, "wrong", true),
        new("ANSIBLE_VAULT_PASSWORD_FILE before the site's file", null, Wrong, null, "right", true),
    ];

    public static TheoryData<string> EveryVerb => new() { "plan", "apply", "verify", "backup", "drill", "validate", "render" };

    [Theory]
    [MemberData(nameof(EveryVerb))]
    public void Every_verb_finds_the_vault_password_in_the_same_order(string verb)
    {
        var findings = BreakSite(); // every run stops at the validator, before any host, with or without the right password
        var siteFinding = findings.First(l => l.Contains("flink_rest_port"));
        // What a wrong password adds: the loader's finding that the inline !vault values do not decrypt.
        var wrongPassword = CliRunner.Run("validate", _site, "--vault-password-file", _wrongFile);
        var vaultRefusal = ErrorLines(wrongPassword.Err).Except(findings).ShouldHaveSingleItem(wrongPassword.ToString());
        var binary = Path.Combine(AppContext.BaseDirectory, "datalyptica");
        var outcomes = new List<string>();
        foreach (var a in Arrangements)
        {
            var inSite = Path.Combine(_site, SiteLoader.SiteVaultPasswordFile);
            if (a.SiteFile is null) File.Delete(inSite);
            else SiteFixture.WritePrivate(inSite, a.SiteFile + "\n"); // the site's own file must be 0600 (docs/SECURITY.md)
            string[] option = a.Option is null ? [] : ["--vault-password-file", a.Option == "right" ? _rightFile : _wrongFile];
            string output;
            if (a.PasswordVariable is null && a.PasswordFileVariable is null)
                output = CliRunner.Run(Args(verb, option)).All;
            else
            {
                // The environment is the process's own: a separate process (without the daemon) gets exactly these variables.
                var environment = new Dictionary<string, string> { ["DATALYPTICA_DAEMON"] = "off" };
                if (a.PasswordVariable is not null) environment[VaultPasswordSource.PasswordEnvironmentVariable] = a.PasswordVariable;
                if (a.PasswordFileVariable is not null)
                    environment[VaultPasswordSource.PasswordFileEnvironmentVariable] = a.PasswordFileVariable == "right" ? _rightFile : _wrongFile;
                output = Tool.Run(binary, Args(verb, option), environment: environment, timeoutSeconds: 60).Output;
            }
            output.ShouldNotContain(Right);
            output.ShouldNotContain(Wrong);
            output.ShouldContain(siteFinding, Case.Sensitive, $"{verb}, {a.Name}: the site was not read\n{output}");
            var rightWon = !output.Contains(vaultRefusal, StringComparison.Ordinal);
            outcomes.Add($"{a.Name}: {(rightWon ? "right" : "wrong")} password used");
        }
        outcomes.ShouldBe(Arrangements.Select(a => $"{a.Name}: {(a.RightWins ? "right" : "wrong")} password used").ToList());
    }

    /// <summary>The listener every host's SSH port points at: one per host address, all on one port; counts connections and closes them.</summary>
    private sealed class HostPorts : IDisposable
    {
        private readonly List<TcpListener> _listeners = [];
        private int _accepted;

        public HostPorts(IReadOnlyList<IPAddress> addresses)
        {
            for (var attempt = 0; _listeners.Count == 0 && attempt < 20; attempt++)
            {
                var first = new TcpListener(addresses[0], 0);
                first.Start();
                var port = ((IPEndPoint)first.LocalEndpoint).Port;
                var all = new List<TcpListener> { first };
                try
                {
                    foreach (var address in addresses.Skip(1))
                    {
                        var listener = new TcpListener(address, port);
                        all.Add(listener);
                        listener.Start();
                    }
                    _listeners.AddRange(all);
                    Port = port;
                }
                catch (SocketException) { foreach (var l in all) l.Stop(); } // that port is taken on another address: try another
            }
            _listeners.ShouldNotBeEmpty("no port free on every host address");
            foreach (var listener in _listeners) _ = AcceptAsync(listener);
        }

        public int Port { get; }
        public int Accepted => Volatile.Read(ref _accepted);

        private async Task AcceptAsync(TcpListener listener)
        {
            while (true)
            {
                try
                {
                    using var client = await listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref _accepted);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException) { return; }
            }
        }

        public void Dispose()
        {
            foreach (var listener in _listeners) listener.Stop();
        }
    }
}
