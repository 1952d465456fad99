using Datalyptica.Components.Patroni;

namespace Datalyptica.Tests.Drills;

/// <summary>
/// How the partition drill reads an isolated leader on its console (GET /patroni): a running primary under either name
/// Patroni has used, and anything else (demoting, a replica, not JSON) as not one.
/// </summary>
public sealed class PatroniMemberStatusTests
{
    [Theory]
    [InlineData("""{"state": "running", "role": "master", "server_version": 150020}""", true)]   // Patroni 3.0 (Debian 12)
    [InlineData("""{"state": "running", "role": "primary"}""", true)]                            // Patroni 3.1 and later
    [InlineData("""{"state": "stopping", "role": "master"}""", false)]                           // demoting: PostgreSQL being stopped
    [InlineData("""{"state": "running", "role": "replica"}""", false)]
    [InlineData("""{"state": "starting", "role": "demoted"}""", false)]
    public void Only_a_running_primary_counts_as_one(string body, bool runningPrimary) =>
        PatroniDrills.MemberStatus.Parse(body).ShouldNotBeNull().RunningPrimary.ShouldBe(runningPrimary);

    [Theory]
    [InlineData("")]
    [InlineData("curl: (7) Failed to connect")]
    [InlineData("[1, 2]")]
    public void An_answer_that_is_not_a_json_object_is_no_status(string body) => PatroniDrills.MemberStatus.Parse(body).ShouldBeNull();

    [Fact]
    public void A_status_says_role_and_state() =>
        PatroniDrills.MemberStatus.Parse("""{"state": "stopping", "role": "master"}""")!.ToString().ShouldBe("role master, state stopping");
}
