using Datalyptica.Components.PostgreSQL;

namespace Datalyptica.Tests.Components.PostgreSQL;

/// <summary>Recovery targets: an explicit UTC offset is required, and what reaches pgBackRest is one normalised UTC form.</summary>
public class RecoveryTargetTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 15, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("2026-12-06 14:03:07+00", "2026-12-06 14:03:07.000000+00")]
    [InlineData("2026-12-06 14:03:07.123456+00", "2026-12-06 14:03:07.123456+00")]
    [InlineData("2026-12-06T14:03:07.25Z", "2026-12-06 14:03:07.250000+00")]
    [InlineData("2026-12-06 15:33:07+01:30", "2026-12-06 14:03:07.000000+00")]
    [InlineData("2026-12-06 09:03:07-0500", "2026-12-06 14:03:07.000000+00")]
    public void A_time_with_its_offset_becomes_the_same_instant_in_UTC(string text, string expected)
    {
        var (target, problem) = RecoveryTarget.Parse(text, Now);
        problem.ShouldBeNull();
        target.ShouldBe(expected);
        var at = RecoveryTarget.InstantOf(target!);
        at.Offset.ShouldBe(TimeSpan.Zero);
        (at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture) + "+00").ShouldBe(expected);
    }

    [Theory]
    [InlineData("2026-12-06 14:03:07", "not a time with its UTC offset")]
    [InlineData("now", "not a time with its UTC offset")]
    [InlineData("2026-12-06 14:03:07+00'; DROP TABLE x; --", "not a time with its UTC offset")]
    [InlineData("2026-12-06 14:03:07+00\n", "not a time with its UTC offset")]
    [InlineData("2026-02-30 14:03:07+00", "not a real date and time")]
    [InlineData("2026-12-06 15:00:01+00", "in the future")]
    public void Anything_else_is_refused_with_why(string text, string why)
    {
        var (target, problem) = RecoveryTarget.Parse(text, Now);
        target.ShouldBeNull();
        problem.ShouldNotBeNull().ShouldContain(why);
    }
}
