using Datalyptica.Engine.Apply;
using Datalyptica.Tests.Verification;

namespace Datalyptica.Tests.Engine.Apply;

/// <summary>ansible_become read as Ansible reads it (an INI inventory gives text), and what datalyptica does not do refused by name.</summary>
public sealed class ConnectionVarsTests
{
    [Theory]
    [InlineData(true, true)]
    [InlineData("yes", true)]
    [InlineData("Yes", true)]
    [InlineData("on", true)]
    [InlineData("1", true)]
    [InlineData("True", true)]
    [InlineData(1L, true)]
    [InlineData("no", false)]
    [InlineData("off", false)]
    [InlineData(false, false)]
    [InlineData("0", false)]
    public void Ansible_become_is_Ansibles_boolean(object value, bool becomes)
    {
        var host = LoopbackSite.Host("db01", ["postgresql"], ("ansible_user", "ops"), ("ansible_become", value));
        HostConnections.For(host).Become.ShouldBe(becomes);
        ConnectionVars.Check(host).ShouldBeEmpty();
    }

    [Fact]
    public void A_become_that_is_not_a_boolean_is_refused_not_read_as_false()
    {
        var host = LoopbackSite.Host("db01", ["postgresql"], ("ansible_become", "sometimes"));
        Should.Throw<ConnectionVarException>(() => HostConnections.For(host)).Message.ShouldContain("ansible_become is 'sometimes', which is not a boolean");
    }

    [Fact]
    public void Passwords_other_methods_and_connections_are_named_and_a_password_is_never_shown()
    {
        var host = LoopbackSite.Host("db01", ["postgresql"], ("ansible_become_method", "su"), ("ansible_become_user", "postgres"),
            ("ansible_become_password", "S3cret-sudo-pw"), ("ansible_ssh_pass", "S3cret-ssh-pw"), ("ansible_connection", "winrm"));
        var problems = ConnectionVars.Check(host);
        problems.Select(p => p.Key).ShouldBe(["ansible_become_method", "ansible_become_user", "ansible_become_password", "ansible_ssh_pass", "ansible_connection"]);
        problems.ShouldAllBe(p => !p.Message.Contains("S3cret") && !p.Fix.Contains("S3cret"));
        problems.Single(p => p.Key == "ansible_become_password").Fix.ShouldContain("NOPASSWD");
    }
}
