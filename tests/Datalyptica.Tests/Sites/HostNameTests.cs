using Datalyptica.Engine.Apply;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;

namespace Datalyptica.Tests.Sites;

/// <summary>
/// ansible_host as a DNS name, as Ansible inventories write it: the platform's configurations get the one IPv4 address
/// it resolves to, SSH connects by the name.
/// </summary>
public sealed class HostNameTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private string SiteWithDb01At(string ansibleHost)
    {
        var dir = _fx.Init("development", "site");
        var file = Path.Combine(dir, "host_vars", "db01.yml");
        var text = File.ReadAllText(file);
        text.ShouldContain("ansible_host: 10.40.10.11");
        File.WriteAllText(file, text.Replace("ansible_host: 10.40.10.11", $"ansible_host: {ansibleHost}"));
        return dir;
    }

    private string EtcdConfigOfDb02(string site)
    {
        var rendered = _fx.PathOf("rendered");
        CliRunner.Run("render", site, "--out", rendered, "--vault-password-file", _fx.PasswordFile).ShouldSucceed();
        return File.ReadAllText(Path.Combine(rendered, "db02", "etc", "datalyptica", "etcd", "etcd.conf.yml"));
    }

    [Fact]
    public void A_name_that_resolves_to_one_address_gives_configurations_that_address_and_ssh_the_name()
    {
        TestHostNames.Register("db01.resolves-once.test", "10.40.10.21");
        var dir = SiteWithDb01At("db01.resolves-once.test");

        var site = SiteLoader.Load(dir, () => _fx.Password).Site.ShouldNotBeNull();
        var db01 = site.Hosts.Single(h => h.Name == "db01");
        db01.Address.ToString().ShouldBe("10.40.10.21");
        db01.AddressName.ShouldBe("db01.resolves-once.test");
        HostConnections.For(db01).Address.ShouldBe("db01.resolves-once.test");

        var etcd = EtcdConfigOfDb02(dir);
        etcd.ShouldContain("10.40.10.21");
        etcd.ShouldNotContain("10.40.10.11");
    }

    [Theory]
    [InlineData("db01.nowhere.test", "'db01.nowhere.test' does not resolve (HostNotFound).")]
    [InlineData("db01.twice.test", "'db01.twice.test' resolves to 2 IPv4 addresses (10.40.10.21, 10.40.10.22).")]
    [InlineData("db01.v6only.test", "'db01.v6only.test' resolves to no IPv4 address.")]
    public void A_name_that_does_not_resolve_to_exactly_one_IPv4_address_is_DL530_naming_file_line_and_fix(string name, string problem)
    {
        TestHostNames.Register("db01.twice.test", "10.40.10.22", "10.40.10.21");
        TestHostNames.Register("db01.v6only.test", "fd00::21");
        var dir = SiteWithDb01At(name);

        var err = CliRunner.Run("validate", dir, "--vault-password-file", _fx.PasswordFile).ShouldFail().Err;
        err.ShouldContain($"error DL530 host_vars/db01.yml:2: host db01: ansible_host {problem}");
        err.ShouldContain($"fix: make {name} resolve to the host's one IPv4 address (DNS or /etc/hosts), or set ansible_host to that address.");
    }

    [Theory]
    [InlineData("10.40.10.311")]     // a typo of an address, not a name (RFC 3696: no all-numeric top label)
    [InlineData("10.40.10")]         // inet_aton would read 10.40.0.10
    [InlineData("$(reboot).test")]
    [InlineData("-oProxyCommand=x")]
    [InlineData("db01..test")]
    public void Text_that_is_neither_an_address_nor_a_DNS_name_is_refused_without_a_lookup(string text)
    {
        var dir = SiteWithDb01At($"'{text}'");

        var err = CliRunner.Run("validate", dir, "--vault-password-file", _fx.PasswordFile).ShouldFail().Err;
        err.ShouldContain($"host db01: ansible_host '{text}' is neither an IP address nor a DNS name.");
        TestHostNames.WasAsked(text).ShouldBeFalse();
    }

    [Fact]
    public void Without_ansible_host_the_host_name_is_resolved_as_Ansible_connects_to_it()
    {
        var dir = SiteWithDb01At("10.40.10.11");
        var file = Path.Combine(dir, "host_vars", "db01.yml");
        File.WriteAllText(file, File.ReadAllText(file).Replace("ansible_host: 10.40.10.11\n", ""));

        var err = CliRunner.Run("validate", dir, "--vault-password-file", _fx.PasswordFile).ShouldFail().Err;
        err.ShouldContain("host db01 has no ansible_host, and its name does not resolve (HostNotFound).");
        TestHostNames.WasAsked("db01").ShouldBeTrue();
    }

    /// <summary>
    /// The system resolver, for real: the CLI binary runs in a network and mount namespace of its own (no route
    /// anywhere, so no DNS query can leave) with a hosts file of this test's bound over /etc/hosts.
    /// </summary>
    [Fact]
    public void The_system_resolver_reads_etc_hosts_through_getaddrinfo()
    {
        var dir = SiteWithDb01At("db01.from-etc-hosts.test");
        var db02 = Path.Combine(dir, "host_vars", "db02.yml");
        File.WriteAllText(db02, File.ReadAllText(db02).Replace("ansible_host: 10.40.10.12", "ansible_host: db02.not-in-etc-hosts.test"));
        var hosts = _fx.Write("hosts", "127.0.0.1 localhost\n10.40.10.31 db01.from-etc-hosts.test\n");
        var cli = Path.Combine(AppContext.BaseDirectory, "datalyptica");
        File.Exists(cli).ShouldBeTrue($"the CLI apphost is missing at {cli}: build the test project");

        string[] Isolated(params string[] args) =>
            ["--net", "--mount", "--map-root-user", "sh", "-c", "mount --bind \"$1\" /etc/hosts && shift && exec \"$@\"", "sh", hosts, cli, .. args];

        var validate = ExternalTool.Run("unshare", Isolated("validate", dir, "--vault-password-file", _fx.PasswordFile));
        validate.ExitCode.ShouldBe(3, validate.Stdout + validate.Stderr);
        validate.Stderr.ShouldContain("host db02: ansible_host 'db02.not-in-etc-hosts.test' does not resolve");
        validate.Stderr.ShouldNotContain("host db01:");

        File.WriteAllText(db02, File.ReadAllText(db02).Replace("ansible_host: db02.not-in-etc-hosts.test", "ansible_host: 10.40.10.12"));
        var rendered = _fx.PathOf("rendered");
        var render = ExternalTool.Run("unshare", Isolated("render", dir, "--out", rendered, "--vault-password-file", _fx.PasswordFile));
        render.ExitCode.ShouldBe(0, render.Stdout + render.Stderr);
        File.ReadAllText(Path.Combine(rendered, "db02", "etc", "datalyptica", "etcd", "etcd.conf.yml")).ShouldContain("10.40.10.31");
    }
}
