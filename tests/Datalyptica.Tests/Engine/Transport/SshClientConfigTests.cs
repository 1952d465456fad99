using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Transport;

namespace Datalyptica.Tests.Engine.Transport;

/// <summary>
/// OpenSSH client config entries (evaluated by the real <c>ssh -G</c>) reaching the real loopback sshd: HostName, Port,
/// User, IdentityFile and ProxyJump from the config where the inventory set none, the inventory winning where it did.
/// </summary>
[Collection(SshdCollection.Name)]
public sealed class SshClientConfigTests(SshdFixture sshd) : IDisposable
{
    private readonly string _dir = Tools.MakeTempDirectory("dl-ssh-config-");

    private SshClientConfig Config(string text)
    {
        var path = Path.Combine(_dir, $"config-{Guid.NewGuid():N}");
        File.WriteAllText(path, text);
        return new SshClientConfig("/usr/bin/ssh", path);
    }

    private static async Task<string> Echo(SshTransportFactory factory, HostConnection host)
    {
        await using var transport = (SshTransport)factory.Connect(host);
        return (await transport.RunAsync(RemoteCommand.Shell("echo $(id -un) via config"), CancellationToken.None)).Stdout;
    }

    [Fact]
    public async Task A_Host_entry_gives_hostname_port_user_and_key_where_the_inventory_names_none()
    {
        var config = Config($"""
            Host db01.config.test
              HostName 127.0.0.1
              Port {sshd.Server.Port}
              User root
              IdentityFile {sshd.ClientKey}
            """);
        var inventory = new HostConnection("db01", "db01.config.test");

        var applied = config.Apply(inventory);
        applied.Address.ShouldBe("127.0.0.1");
        applied.Port.ShouldBe(sshd.Server.Port);
        applied.PrivateKeyFile.ShouldBe(sshd.ClientKey);

        var factory = new SshTransportFactory(sshd.Strict(sshd.ServerKnownHosts), null, null, config);
        (await Echo(factory, inventory)).ShouldBe("root via config\n");
    }

    [Fact]
    public void What_the_inventory_sets_wins_over_the_config()
    {
        var config = Config("""
            Host db02.config.test
              HostName 127.0.0.1
              Port 2200
              User deploy
              IdentityFile /nonexistent/key
            """);
        var inventory = new HostConnection("db02", "db02.config.test", 2222, "ops")
        {
            PrivateKeyFile = sshd.ClientKey,
            Given = GivenSettings.Port | GivenSettings.User | GivenSettings.PrivateKey,
        };

        var applied = config.Apply(inventory);
        applied.Address.ShouldBe("127.0.0.1"); // HostName always applies: the inventory's name is ssh's destination
        applied.Port.ShouldBe(2222);
        applied.User.ShouldBe("ops");
        applied.PrivateKeyFile.ShouldBe(sshd.ClientKey);
        // Nothing in the config for this name: unchanged.
        config.Apply(new HostConnection("other", "10.0.0.9")).ShouldBe(new HostConnection("other", "10.0.0.9"));
    }

    [Fact]
    public async Task A_ProxyJump_in_the_config_tunnels_through_the_bastion_named_by_its_own_entry()
    {
        using var bastion = SshdServer.Start(sshd.AuthorizedKeys, extraConfig: "LogLevel DEBUG1");
        using var target = SshdServer.Start(sshd.AuthorizedKeys, "ecdsa");
        var config = Config($"""
            Host inner.config.test
              HostName 127.0.0.1
              Port {target.Port}
              ProxyJump bastion.config.test
            Host bastion.config.test
              HostName 127.0.0.1
              Port {bastion.Port}
            Host *
              IdentityFile {sshd.ClientKey}
            """);
        var knownHosts = sshd.NewKnownHostsPath();
        var factory = new SshTransportFactory(sshd.Strict(knownHosts) with { AcceptNewHostKeys = true }, null, null, config);

        (await Echo(factory, new HostConnection("inner", "inner.config.test"))).ShouldBe("root via config\n");
        bastion.LogLines.ShouldContain(l => l.Contains("server_request_direct_tcpip") && l.Contains($"target 127.0.0.1 port {target.Port}"),
            string.Join('\n', bastion.LogLines.Where(l => l.Contains("tcpip"))));
    }

    [Fact]
    public void A_ProxyCommand_or_an_unreadable_config_is_a_clear_error()
    {
        var proxy = Config("Host p.config.test\n  ProxyCommand nc %h %p\n");
        Should.Throw<TransportException>(() => proxy.Apply(new HostConnection("p", "p.config.test")))
            .Message.ShouldContain("a ProxyCommand, which datalyptica does not run. Fix: use ProxyJump");
        // The inventory's own jump host wins, so the config's ProxyCommand is not used and not refused.
        proxy.Apply(new HostConnection("p", "p.config.test") { Given = GivenSettings.JumpHost }).Address.ShouldBe("p.config.test");

        var broken = Config("Host b.config.test\n  NoSuchOption yes\n");
        Should.Throw<TransportException>(() => broken.Apply(new HostConnection("b", "b.config.test")))
            .Message.ShouldContain("the SSH client config could not be read for 'b.config.test'");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
