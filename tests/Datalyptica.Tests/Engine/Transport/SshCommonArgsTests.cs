using Datalyptica.Engine.Transport;

namespace Datalyptica.Tests.Engine.Transport;

/// <summary>Issue 17: the jump host of ansible_ssh_common_args, in each form OpenSSH takes it.</summary>
public sealed class SshCommonArgsTests
{
    [Theory]
    [InlineData("-o ProxyJump=ops@bastion.example:2222", "ops", "bastion.example", 2222)]
    [InlineData("-o 'ProxyJump ops@bastion'", "ops", "bastion", 22)]
    [InlineData("-oProxyJump=bastion", "deploy", "bastion", 22)]
    [InlineData("-J ops@10.0.0.5", "ops", "10.0.0.5", 22)]
    [InlineData("-Jops@[fd00::5]:2200", "ops", "fd00::5", 2200)]
    [InlineData("-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/x -o ProxyJump=ssh://ops@b:23", "ops", "b", 23)]
    public void The_jump_host_is_read_from_every_form(string args, string user, string host, int port)
    {
        var jump = SshCommonArgs.JumpHost(args, "deploy", "/keys/id").ShouldNotBeNull();
        (jump.User, jump.Address, jump.Port, jump.PrivateKeyFile).ShouldBe((user, host, port, "/keys/id"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-o StrictHostKeyChecking=yes")]
    [InlineData("-o ProxyJump=none")]
    public void No_jump_host_without_one(string? args) => SshCommonArgs.JumpHost(args, "root", null).ShouldBeNull();

    [Theory]
    [InlineData("-o ProxyJump=a,b", "chain")]
    [InlineData("-o ProxyCommand='nc %h %p'", "ProxyCommand")]
    [InlineData("-J ops@host:port", "port is not a number")]
    [InlineData("-J 'ops@'", "is not [user@]host[:port]")]
    [InlineData("-o 'ProxyJump=unclosed", "cannot be split")]
    public void What_cannot_be_followed_is_refused(string args, string message) =>
        Should.Throw<FormatException>(() => SshCommonArgs.JumpHost(args, "root", null)).Message.ShouldContain(message);
}
