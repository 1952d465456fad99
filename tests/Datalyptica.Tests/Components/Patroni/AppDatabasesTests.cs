using System.Text.RegularExpressions;
using Datalyptica.Components;
using Datalyptica.Components.HAProxy;
using Datalyptica.Components.Nessie;
using Datalyptica.Components.Patroni;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Rendering;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Tests.Engine.Planning;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.Patroni;

/// <summary>
/// Application databases and roles (issue 14): what the components declare, what Patroni renders for them (the psql script
/// with SCRAM verifier placeholders, the leader-only driver, pg_hba), and that no clear password reaches a file or a plan.
/// </summary>
public class AppDatabasesTests
{
    private static Site Development => RenderedSites.Development.Site;

    /// <summary>The components that talk to PostgreSQL, as their renderers show (jdbc/sqlalchemy URLs, Grafana's [database]).</summary>
    private static readonly string[] PostgresClients = ["keycloak", "nessie", "airflow", "superset", "mlflow", "jupyterhub", "grafana"];

    [Fact]
    public void Every_PostgreSQL_client_declares_its_database_with_a_password_it_also_lists_as_a_secret()
    {
        var declaring = ComponentCatalog.All.Where(c => c.ApplicationDatabases(Development).Count > 0).Select(c => c.Id).ToList();
        declaring.ShouldBe(PostgresClients, ignoreOrder: true);
        foreach (var c in ComponentCatalog.All)
            foreach (var db in c.ApplicationDatabases(Development))
                c.SecretKeys.ShouldContain(db.PasswordSecretKey, $"{c.Id} must list {db.PasswordSecretKey} so init generates it");
        // No two components share a database or a role.
        var all = AppDatabases.For(RenderedSites.Production.Site);
        all.Select(d => d.Database.Database).ShouldBeUnique();
        all.Select(d => d.Database.Role).ShouldBeUnique();
    }

    public static TheoryData<string> Clients => new(PostgresClients);

    /// <summary>The catalog check: the file holding a component's database password connects to its declared database as its declared role.</summary>
    [Theory]
    [MemberData(nameof(Clients))]
    public void Declared_names_are_what_the_renderer_connects_with(string id)
    {
        // Nessie's names are settings: a site that moves them moves both the declaration and the rendered URL.
        foreach (var site in new[] { Development, PgSites.WithSiteVar(PgSites.WithSiteVar(Development, "nessie_db_name", "iceberg_catalog"), "nessie_db_user", "iceberg") })
        {
            var component = ComponentCatalog.Find(id)!;
            var db = component.ApplicationDatabases(site).ShouldHaveSingleItem();
            var host = site.Hosts.First(h => component.Roles.Any(h.Has));
            var files = SiteRenderer.Render(site, host.Name).Single().Files
                .Where(f => f.Component == id && f.Content.Contains(SecretPlaceholder.For(db.PasswordSecretKey), StringComparison.Ordinal)).ToList();
            files.ShouldNotBeEmpty($"{id} renders no file with {db.PasswordSecretKey}");
            foreach (var file in files)
            {
                var d = Regex.Escape(db.Database);
                var r = Regex.Escape(db.Role);
                var secret = Regex.Escape(SecretPlaceholder.For(db.PasswordSecretKey));
                file.Content.ShouldMatch($@"(?m)(:\d+/{d}(?![\w])|^name\s*=\s*{d}\s*$)", $"{file.Path}: database {db.Database}");
                file.Content.ShouldMatch($@"(?m)({r}:{secret}@|^(db-username|quarkus\.datasource\.postgresql\.username|user)\s*=\s*{r}\s*$)", $"{file.Path}: role {db.Role}");
            }
        }
    }

    [Fact]
    public void Nessie_follows_its_settings()
    {
        var site = PgSites.WithSiteVar(PgSites.WithSiteVar(Development, "nessie_db_name", "iceberg_catalog"), "nessie_db_user", "iceberg");
        var db = NessieComponent.Database(site);
        (db.Database, db.Role).ShouldBe(("iceberg_catalog", "iceberg"));
        var nessieHost = site.HostsWith(NessieComponent.Server).First();
        SiteRenderer.Render(site, nessieHost.Name).Single().Files.Single(f => f.Component == "nessie" && f.Path.EndsWith(".properties", StringComparison.Ordinal) && f.Content.Contains("jdbc.url", StringComparison.Ordinal))
            .Content.ShouldContain("/iceberg_catalog\n");
    }

    [Theory]
    [InlineData("nessie_db_user", "postgres", "platform role")]
    [InlineData("nessie_db_user", "pg_monitor", "platform role")]
    [InlineData("nessie_db_name", "template1", "platform database")]
    [InlineData("nessie_db_name", "grafana", "both use the PostgreSQL database 'grafana'")]
    [InlineData("nessie_db_user", "airflow", "both use the PostgreSQL role 'airflow'")]
    public void A_platform_name_or_one_two_components_share_is_refused(string key, string value, string says)
    {
        var finding = new AppDatabasesRule().Check(PgSites.WithSiteVar(Development, key, value)).ShouldHaveSingleItem();
        finding.Code.ShouldBe(Datalyptica.Diagnostics.FindingCodes.AppDatabaseConflict.Code);
        finding.Message.ShouldContain(says);
        new AppDatabasesRule().Check(Development).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("development")]
    [InlineData("production")]
    public void Pg_hba_admits_each_role_to_its_own_database_from_its_hosts_and_HAProxy_only_before_the_catch_all_lines(string siteName)
    {
        var rendered = RenderedSites.ByName(siteName);
        var site = rendered.Site;
        var proxies = site.HostsWith(HAProxyComponent.Node).ToList();
        var vips = site.Vips.Where(v => proxies.Any(h => h.RoleGroups.Contains(v.Group))).Select(v => v.Address);
        foreach (var (_, file) in rendered.FilesAt(PatroniRenderer.ConfigPath))
        {
            var hba = PgSites.Yaml(file.Content).Map("postgresql").List("pg_hba").Cast<string>().ToList();
            PgSites.Yaml(file.Content).Map("bootstrap").List("pg_hba").Cast<string>().ShouldBe(hba);
            var firstCatchAll = hba.FindIndex(l => l.StartsWith("host all all ", StringComparison.Ordinal) && !l.Contains(" 127.0.0.1/32 ", StringComparison.Ordinal));
            foreach (var (component, db) in AppDatabases.For(site))
            {
                var expected = AppDatabases.HostsOf(site, component).Select(h => h.Address).Concat(proxies.Select(h => h.Address)).Concat(vips)
                    .Distinct().Select(a => $"host {db.Database} {db.Role} {a}/32 scram-sha-256").ToList();
                expected.Count.ShouldBeGreaterThan(proxies.Count);
                var lines = hba.Where(l => l.StartsWith($"host {db.Database} ", StringComparison.Ordinal)).ToList();
                lines.ShouldBe(expected, ignoreOrder: true);
                lines.ShouldAllBe(l => hba.IndexOf(l) < firstCatchAll);
            }
        }
    }

    [Fact]
    public void A_site_without_applications_gets_no_script_and_no_command()
    {
        var lab = ProfileExpander.Expand(BuiltInProfiles.Lab);
        AppDatabases.For(lab).ShouldBeEmpty();
        foreach (var host in lab.HostsWith(PatroniComponent.Member))
        {
            SiteRenderer.Render(lab, host.Name).Single().Files.ShouldNotContain(f => f.Path.StartsWith("/etc/patroni/app-databases", StringComparison.Ordinal));
            PatroniLifecycle.Declaration.Commands!(lab, host).ShouldNotContain(c => c.Name == AppDatabases.CommandName);
        }
    }

    [Fact]
    public void Every_member_gets_the_root_only_script_the_driver_and_one_guarded_command_and_no_clear_password()
    {
        var rendered = RenderedSites.Development;
        var secrets = SiteWriter.GenerateSecrets(rendered.Site).ToDictionary();
        foreach (var host in rendered.Site.HostsWith(PatroniComponent.Member))
        {
            var files = rendered.Host(host.Name).Files;
            var sql = files.Single(f => f.Path == AppDatabases.SqlPath);
            (sql.Owner, sql.Group, Modes.Octal(sql.Mode)).ShouldBe(("root", "root", "0600"));
            var driver = files.Single(f => f.Path == AppDatabases.ScriptPath);
            (driver.Owner, Modes.Octal(driver.Mode)).ShouldBe(("root", "0700"));
            SecretPlaceholder.Find(driver.Content).ShouldBeEmpty();
            foreach (var (_, db) in AppDatabases.For(rendered.Site))
                sql.Content.ShouldContain(SecretPlaceholder.ScramFor(db.PasswordSecretKey, ScramVerifier.Salt(rendered.Site.Name, db.Role)));

            // Resolved as apply writes it: verifiers, never a clear password.
            var resolved = SecretPlaceholder.Resolve(sql.Content, n => secrets[n].Reveal());
            foreach (var (_, db) in AppDatabases.For(rendered.Site))
            {
                resolved.ShouldNotContain(secrets[db.PasswordSecretKey].Reveal());
                resolved.ShouldContain(ScramVerifier.Compute(secrets[db.PasswordSecretKey].Reveal(), ScramVerifier.Salt(rendered.Site.Name, db.Role)));
            }

            var command = PatroniLifecycle.Declaration.Commands!(rendered.Site, host).Single(c => c.Name == AppDatabases.CommandName);
            command.Command.ShouldBe($"python3 {AppDatabases.ScriptPath} apply");
            command.Unless.ShouldBe($"python3 {AppDatabases.ScriptPath} check");
            command.OnChangeOfFiles.ShouldBe([AppDatabases.SqlPath, AppDatabases.ScriptPath]);
        }
        // Every file rendered anywhere names the passwords by placeholder only.
        foreach (var (_, file) in rendered.AllFiles)
            foreach (var (_, db) in AppDatabases.For(rendered.Site))
                file.Content.ShouldNotContain(secrets[db.PasswordSecretKey].Reveal());
    }

    [Fact]
    public void The_driver_is_valid_python()
    {
        var host = Development.HostsWith(PatroniComponent.Member).First();
        var driver = RenderedSites.Development.File(host.Name, AppDatabases.ScriptPath);
        var path = Path.Combine(Path.GetTempPath(), $"dl-appdb-{Guid.NewGuid():N}.py");
        File.WriteAllText(path, driver.Content);
        try
        {
            var r = Tool.Run("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read())", path]);
            r.ExitCode.ShouldBe(0, r.Output);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_plan_with_drifted_scripts_shows_neither_a_password_nor_a_verifier()
    {
        var f = new PlanningTests.Fixture(ProfileExpander.Expand(BuiltInProfiles.Development, kafkaClusterId: "MkU3OEVBNTcwNTJENDM2Qk"));
        var desired = f.Desired(ArtifactCatalog.Empty).Where(d => d.Resources.Any(r => r.Resource.Id == FileResource.IdFor(AppDatabases.SqlPath))).ToList();
        desired.ShouldNotBeEmpty();
        var verifiers = AppDatabases.For(f.Site).SelectMany(d => new[]
        {
            ScramVerifier.Compute(f.Secrets[d.Database.PasswordSecretKey].Reveal(), AppDatabases.Salt(f.Site, d.Database)),
            ScramVerifier.Compute("old-" + d.Database.PasswordSecretKey, AppDatabases.Salt(f.Site, d.Database)),
        }).ToList();
        var facts = desired.ToDictionary(d => d.Host, d =>
        {
            // The host holds the resolved script of an older version: verifiers of passwords since rotated.
            var c = ConvergedFacts.WithSecretFilesDrifted(d, f.Options,
                r => SecretPlaceholder.Resolve(r.Content, n => r.Path == AppDatabases.SqlPath ? "old-" + n : f.Secrets[n].Reveal()));
            return c with { Guards = new Dictionary<string, int>(c.Guards) { [AppDatabases.CommandName] = 1 } };
        });
        var masker = new SecretMasker(f.Secrets.Values);
        var plan = new Plan(f.Site.Name, desired.Select(d => Planner.PlanHost(d, facts[d.Host], f.Options, masker)).ToList());
        var sqlChanges = plan.Hosts.SelectMany(h => h.Changes).Where(c => c.ResourceId == FileResource.IdFor(AppDatabases.SqlPath)).ToList();
        sqlChanges.ShouldNotBeEmpty();
        sqlChanges.ShouldAllBe(c => c.Sensitive && c.Diff != null && c.Diff.Contains("+\\set verifier_0 '@@scram-sha-256:vault_") && c.Diff.Contains("-\\set verifier_0 'SCRAM-SHA-256$***'"));
        plan.Hosts.SelectMany(h => h.Changes).ShouldContain(c => c.ResourceId == $"command:{AppDatabases.CommandName}");

        var json = PlanJson.Write(plan);
        var human = PlanHumanView.Render(plan);
        foreach (var text in f.Secrets.Values.Select(s => s.Reveal()).Concat(verifiers))
        {
            json.ShouldNotContain(text);
            human.ShouldNotContain(text);
        }
        // Nor any part of a verifier (its stored or server key).
        foreach (var v in verifiers)
            human.ShouldNotContain(v.Split('$')[2].Split(':')[0]);
    }
}
