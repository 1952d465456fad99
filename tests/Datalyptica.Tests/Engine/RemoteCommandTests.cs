using Datalyptica.Contracts.Hosts;
using Datalyptica.Secrets;

namespace Datalyptica.Tests.Engine;

public class RemoteCommandTests
{
    [Fact]
    public void Secret_parts_run_raw_and_display_masked()
    {
        var command = RemoteCommand.Shell("psql -c").Arg("ALTER ROLE app PASSWORD").Secret(new Secret("s3cr3t 'quoted'"));
        command.Raw.ShouldBe("psql -c 'ALTER ROLE app PASSWORD' 's3cr3t '\\''quoted'\\'''");
        command.Display.ShouldBe("psql -c 'ALTER ROLE app PASSWORD' ***");
        command.ToString().ShouldNotContain("s3cr3t");
        command.HasSecrets.ShouldBeTrue();
    }

    [Theory]
    [InlineData("plain-word_1.2", "plain-word_1.2")]
    [InlineData("two words", "'two words'")]
    [InlineData("", "''")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$(rm -rf /)", "'$(rm -rf /)'")]
    public void Arguments_are_quoted_for_posix_sh(string value, string quoted) => RemoteCommand.Quote(value).ShouldBe(quoted);
}
