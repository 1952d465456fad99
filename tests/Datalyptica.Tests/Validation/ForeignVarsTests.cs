using Datalyptica.Diagnostics;
using Datalyptica.Sites;
using Datalyptica.Validation;
using Datalyptica.Tests.Sites;

namespace Datalyptica.Tests.Validation;

/// <summary>Issue 17: variables of the site's other Ansible roles, declared once, are not warned about as unknown.</summary>
public sealed class ForeignVarsTests
{
    private static IReadOnlyList<Diagnostic> UnknownAfter(string appended)
    {
        using var dir = SiteDir.Of();
        dir.Append("group_vars/all.yml", appended);
        var loaded = SiteLoader.Load(dir.Path, () => SiteDir.Password);
        return SiteValidator.Validate(loaded.Site.ShouldNotBeNull(string.Join("\n", loaded.Diagnostics)), loaded.Diagnostics)
            .Where(d => d.Code == FindingCodes.UnknownVariable.Code).ToList();
    }

    [Fact]
    public void Another_roles_variables_warn_until_declared_and_a_typo_still_warns()
    {
        UnknownAfter("nginx_worker_processes: 4\nnginx_port: 80").Count.ShouldBe(2);
        var declared = UnknownAfter("nginx_worker_processes: 4\nnginx_port: 80\nkafka_replicaton_factor: 3\ndatalyptica_foreign_vars: [\"nginx_*\", \"app_?\"]");
        declared.Select(d => d.Key).ShouldBe(["kafka_replicaton_factor"]);
        declared.Single().Fix.ShouldContain("kafka_replication_factor");
    }

    [Fact]
    public void The_fix_for_an_unknown_variable_names_the_declaration()
    {
        UnknownAfter("my_role_setting: 1").Single().Fix.ShouldContain("datalyptica_foreign_vars");
        UnknownAfter("my_role_setting: 1\ndatalyptica_foreign_vars: my_role_*").ShouldBeEmpty();
    }
}
