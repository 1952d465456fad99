using Datalyptica.Contracts.Drilling;

namespace Datalyptica.Tests.Drills;

/// <summary>The one check every drill result gets: a drill cannot pass by failing, measuring nothing, or writing nothing.</summary>
public sealed class DrillVerdictTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static readonly DrillMeasurement Outage = new("writes: outage seen by the client", S(3), TimeSpan.MaxValue);
    private static readonly DrillMeasurement FromFault = new("writes: from the fault", S(25), S(30));
    private static readonly WriteAccount Writes = new(100, 90, 10, 90, []);

    /// <summary>A write drill that passed: both times measured, the limited one within its limit, 90 writes acknowledged, none lost.</summary>
    private static readonly DrillResult Good = new("patroni-crash", [Outage, FromFault], new Dictionary<string, string>(), Writes, [], [], S(60), DeclaresWrites: true);

    [Fact]
    public void A_complete_result_passes()
    {
        DrillVerdict.Problems(Good).ShouldBeEmpty();
        DrillVerdict.EnsureComplete(Good).ShouldBeSameAs(Good);
        Good.Passed.ShouldBeTrue();
        // A drill without a write load (the VIP's connect probes) passes without a write account.
        (Good with { Drill = "vip-stop", Writes = null, DeclaresWrites = false }).Passed.ShouldBeTrue();
    }

    public static TheoryData<string, DrillResult, string> Incomplete => new()
    {
        { "no measurement (the drill threw before measuring)", Good with { Measurements = [] }, "no measurement" },
        { "a measurement without a value (writes never came back)", Good with { Measurements = [Outage, FromFault with { Value = null }] }, "no value" },
        { "an informational time without a value", Good with { Measurements = [Outage with { Value = null }, FromFault] }, "no value" },
        { "a failure recorded", Good with { Failures = ["no new leader after the fault"] }, "no new leader after the fault" },
        { "a write drill without a write account", Good with { Writes = null }, "no write account" },
        { "a write drill with nothing acknowledged", Good with { Writes = new WriteAccount(40, 0, 40, 0, []) }, "no write was acknowledged" },
        { "acknowledged writes lost", Good with { Writes = Writes with { LostKeys = [7, 9] } }, "2 acknowledged write(s) lost" },
        { "a time over its limit", Good with { Measurements = [Outage, FromFault with { Value = S(35) }] }, "35.00 s over its limit of 30 s" },
    };

    [Theory]
    [MemberData(nameof(Incomplete))]
    public void Each_incomplete_shape_fails_saying_why(string shape, DrillResult result, string why)
    {
        DrillVerdict.Problems(result).ShouldContain(p => p.Contains(why), shape);
        result.Passed.ShouldBeFalse(shape);
        Should.Throw<DrillException>(() => DrillVerdict.EnsureComplete(result)).Message.ShouldContain(why);
    }

    [Fact]
    public void A_time_over_its_limit_fails_naming_the_limit()
    {
        var slow = Good with { Measurements = [Outage with { Value = S(40) }, FromFault with { Value = S(35) }] };
        DrillVerdict.Problems(slow).ShouldHaveSingleItem().ShouldContain("over its limit of 30 s"); // the informational outage is not judged
    }
}
