using Datalyptica.Components;
using Datalyptica.Components.Airflow;
using Datalyptica.Components.MLflow;
using Datalyptica.Components.Superset;
using Datalyptica.Contracts;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Profiles;
using Datalyptica.Secrets;

namespace Datalyptica.Tests.Engine.Planning;

/// <summary>
/// The Python applications on the production site (66 hosts): each installs from its wheelhouse into a virtualenv per
/// version, and its database step (airflow db migrate, superset db upgrade + init, mlflow db upgrade) is planned on exactly
/// one member, the first of its role in inventory order, guarded by the version stamp, after the artifact, and with no
/// secret anywhere in the plan.
/// </summary>
public class PythonAppPlanTests
{
    private static readonly Lazy<PlanningTests.Fixture> Production =
        new(() => new PlanningTests.Fixture(ProfileExpander.Expand(BuiltInProfiles.Production, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk")));

    public static TheoryData<string, string, string> Steps() => new()
    {
        { "airflow", "airflow-db-migrate", "db migrate" },
        { "superset", "superset-db-upgrade", "db upgrade" },
        { "mlflow", "mlflow-db-upgrade", "from mlflow.db import commands" },
    };

    private static RoleDefinition RoleOf(string component) => component switch
    {
        "airflow" => AirflowComponent.Scheduler,
        "superset" => SupersetComponent.Server,
        _ => MLflowComponent.Server,
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public void The_database_step_is_planned_once_on_the_first_member_guarded_by_the_version_stamp(string component, string name, string what)
    {
        var f = Production.Value;
        var desired = f.Desired(f.AllArtifacts());
        var holders = desired.Where(d => d.Resources.Any(r => r.Resource.Id == $"command:{name}")).ToList();
        var holder = holders.ShouldHaveSingleItem();
        var members = f.Site.HostsWith(RoleOf(component)).ToList();
        members.Count.ShouldBeGreaterThan(1);
        holder.Host.ShouldBe(members[0].Name, "the first member in inventory order");

        // After the virtualenv it runs from, as the service account, that version's own program.
        var ids = holder.Resources.Select(r => r.Resource.Id).ToList();
        ids.IndexOf($"command:{name}").ShouldBeGreaterThan(ids.IndexOf($"artifact:{component}"));
        var artifact = holder.Resources.Select(r => r.Resource).OfType<ArtifactResource>().Single(a => a.Component == component);
        artifact.Format.ShouldBe(ArchiveFormat.Wheelhouse);
        var command = holder.Resources.Select(r => r.Resource).OfType<CommandResource>().Single(c => c.Name == name);
        var version = f.Site.Versions.GetValueOrDefault(component, ComponentCatalog.Find(component)!.DefaultVersion);
        command.Command.ShouldContain($"runuser -u {component} -- ");
        command.Command.ShouldContain($"/opt/datalyptica/{component}/{version}/");
        command.Command.ShouldContain(what);
        command.Command.ShouldEndWith($"printf '%s\\n' {version} > {PythonAppSchema.StampPath(component)}");
        command.Unless.ShouldBe($"[ \"$(cat {PythonAppSchema.StampPath(component)} 2>/dev/null)\" = {version} ]");

        // Empty hosts: it runs, its guard repeated in the command; with the stamp at this version it does not.
        var plan = Planner.PlanHost(holder, HostFacts.EmptyDebian12, f.Options);
        var change = plan.Changes.Single(c => c.ResourceId == $"command:{name}");
        change.Reason.ShouldContain($"has not run for {component} {version}");
        change.Steps.Single().Text.ShouldStartWith($"( {command.Unless} ) >/dev/null 2>&1 || ");
        var stamped = HostFacts.EmptyDebian12 with { Guards = new Dictionary<string, int> { [name] = 0 } };
        Planner.PlanHost(holder, stamped, f.Options).Changes.ShouldNotContain(c => c.ResourceId == $"command:{name}");
    }

    [Fact]
    public void No_database_url_or_secret_is_in_a_command_or_the_plan()
    {
        var f = Production.Value;
        var desired = f.Desired(f.AllArtifacts());
        var masker = new SecretMasker(f.Secrets.Values);
        var plan = new Plan(f.Site.Name, desired.Select(d => Planner.PlanHost(d, HostFacts.EmptyDebian12, f.Options, masker)).ToList());
        var steps = plan.Hosts.SelectMany(h => h.Changes).Where(c => c.ResourceId.EndsWith("-db-migrate") || c.ResourceId.EndsWith("-db-upgrade")).ToList();
        steps.Count.ShouldBe(3);
        foreach (var step in steps.SelectMany(c => c.Steps))
        {
            step.Text.ShouldNotBeNull().ShouldNotContain("@@secret:");
            step.Text.ShouldNotContain("postgresql://");
            step.Text.ShouldNotContain("postgresql+psycopg2://");
        }
        var json = PlanJson.Write(plan);
        var human = PlanHumanView.Render(plan);
        foreach (var secret in f.Secrets.Values)
        {
            json.ShouldNotContain(secret.Reveal());
            human.ShouldNotContain(secret.Reveal());
        }
    }
}
