using Datalyptica.Tests.Sites;

namespace Datalyptica.Tests.Validation;

public class UnknownKeyTests
{
    private const string All = "group_vars/all.yml";

    [Fact]
    public void A_site_prefixed_variable_is_kept_without_a_warning_as_the_fix_promises()
    {
        using var dir = SiteDir.Of();
        dir.Append(All, "site_owner: data-team", "owner: data-team");

        var findings = dir.Validate();

        var unknown = findings.Where(d => d.Code == "DL510").ShouldHaveSingleItem();
        unknown.Key.ShouldBe("owner");
        unknown.Fix.ShouldContain("'site_'");
    }
}
