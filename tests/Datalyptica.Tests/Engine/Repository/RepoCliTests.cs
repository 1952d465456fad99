using Datalyptica.Tests.Cli;

namespace Datalyptica.Tests.Engine.Repository;

public class RepoCliTests
{
    [Fact]
    public void Serve_refuses_every_interface_and_says_which_address_to_use()
    {
        var result = CliRunner.Run("repo", "serve", Path.GetTempPath(), "--listen", "0.0.0.0:8080").ShouldFail();
        result.Err.ShouldContain("every interface");
        result.Err.ShouldContain("127.0.0.1");
    }

    [Fact]
    public void Serve_needs_an_address_with_a_port()
    {
        CliRunner.Run("repo", "serve", Path.GetTempPath(), "--listen", "10.77.0.1").ShouldFail().Err.ShouldContain("ADDR:PORT");
        CliRunner.Run("repo", "serve", Path.GetTempPath()).ExitCode.ShouldNotBe(0);
    }

    [Fact]
    public void Build_needs_an_output_folder_and_packages_only_needs_packages()
    {
        CliRunner.Run("repo", "build", "--packages-only").ExitCode.ShouldNotBe(0);
        CliRunner.Run("repo", "build", "--packages-only", "--out", Path.Combine(Path.GetTempPath(), "x")).All.ShouldContain("--package");
    }
}
