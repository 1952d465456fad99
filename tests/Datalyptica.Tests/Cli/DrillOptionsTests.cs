using Datalyptica.Cli;

namespace Datalyptica.Tests.Cli;

/// <summary>`drill`'s repetition options are checked before any site is opened: a bad count or a mix is a usage error naming the fix.</summary>
public sealed class DrillOptionsTests
{
    public static TheoryData<string[], string> Refused => new()
    {
        { ["--repeat", "0"], "--repeat 0: give a count from 1 to 1000" },
        { ["--soak", "0"], "--soak 0: give minutes from 1 to 1440" },
        { ["--soak", "10", "--repeat", "3"], "give one" },
        { ["--pause", "30"], "--seed and --pause only go with --soak" },
        { ["--seed", "7"], "--seed and --pause only go with --soak" },
        { ["--soak", "10", "--pause", "-1"], "give seconds from 0 to 3600" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Bad_repetition_options_are_usage_errors(string[] options, string message)
    {
        var result = CliRunner.Run(["drill", "/nonexistent-site", "patroni-stop", .. options]);
        result.ExitCode.ShouldBe(ExitCodes.Usage, result.All);
        result.All.ShouldContain(message);
    }

    [Fact]
    public void An_unknown_drill_names_every_drill_including_the_harder_faults()
    {
        var result = CliRunner.Run("drill", "/nonexistent-site", "patroni-partiton");
        result.ExitCode.ShouldBe(ExitCodes.Usage, result.All);
        foreach (var name in new[] { "patroni-partition", "vip-split", "redis-partition", "etcd-quorum-loss", "zookeeper-crash", "power-loss" })
            result.All.ShouldContain(name);
    }
}
