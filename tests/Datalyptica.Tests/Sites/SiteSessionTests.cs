using Datalyptica.Contracts.Drilling;
using Datalyptica.Diagnostics;
using Datalyptica.Drills;
using Datalyptica.Engine.Planning;
using Datalyptica.Model;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Datalyptica.Tests.Cli;

namespace Datalyptica.Tests.Sites;

/// <summary>SiteSession, the one door to a site for every verb that touches hosts (issue 12, deliverable 7).</summary>
public sealed class SiteSessionTests : IDisposable
{
    private readonly SiteFixture _fixture = new();
    private string? _made;

    /// <summary>A development site made by init, its vault under the fixture's known password.</summary>
    private string _site => _made ??= _fixture.Init("development", "dev");

    public void Dispose() => _fixture.Dispose();

    private static Func<string, string?> Environment(IReadOnlyDictionary<string, string>? variables = null) =>
        name => variables?.GetValueOrDefault(name);

    private void BreakSite()
    {
        var file = Path.Combine(_site, "group_vars", "processing.yml");
        File.WriteAllText(file, File.ReadAllText(file).Replace("flink_rest_port: 8082", "flink_rest_port: 80a"));
    }

    [Fact]
    public void A_valid_site_opens_with_its_secrets_and_the_validated_callback_sees_it_once()
    {
        var seen = new List<Site>();
        var opening = SiteSession.Open(new SiteOpenOptions(_site) { VaultPasswordFile = _fixture.PasswordFile, Validated = seen.Add, Environment = Environment() });

        var session = opening.Session.ShouldNotBeNull(string.Join("\n", opening.Errors));
        opening.Refused.ShouldBeFalse();
        seen.ShouldHaveSingleItem().ShouldBeSameAs(session.Site);
        session.Findings.ShouldNotContain(d => d.Severity == Severity.Error);
        session.VaultPassword.ShouldNotBeNull().Reveal().ShouldBe(SiteFixture.KnownPassword);
        session.Secrets.Keys.ShouldBe(GeneratedSite.DecryptSecrets(_site, _fixture.Password).Keys, ignoreOrder: true);
        session.Directory.ShouldBe(Path.GetFullPath(_site));
        session.IsFolder.ShouldBeTrue();
    }

    [Fact]
    public void A_site_with_an_error_is_refused_with_the_finding_and_the_validated_callback_is_never_called()
    {
        BreakSite();
        var called = false;

        var opening = SiteSession.Open(new SiteOpenOptions(_site) { VaultPasswordFile = _fixture.PasswordFile, Validated = _ => called = true });

        opening.Refused.ShouldBeTrue();
        called.ShouldBeFalse("plan and apply start connecting in this callback: a refused site must not reach it");
        opening.Errors.ShouldContain(d => d.Key == "flink_rest_port" && d.Source!.File == Path.Combine("group_vars", "processing.yml") && d.Source.Line == 2);
    }

    [Fact]
    public void A_site_that_cannot_be_read_is_refused_with_the_loaders_finding()
    {
        var opening = SiteSession.Open(new SiteOpenOptions(_fixture.PathOf("missing")));

        opening.Refused.ShouldBeTrue();
        opening.Errors.ShouldHaveSingleItem().Message.ShouldContain("does not exist");
    }

    [Theory]
    [InlineData("option", "option")]
    [InlineData("env", "env")]
    [InlineData("envfile", "envfile")]
    [InlineData("site", "site")]
    [InlineData("option,env,envfile,site", "option")]
    [InlineData("env,envfile,site", "env")]
    [InlineData("envfile,site", "envfile")]
    [InlineData("given,option,env,envfile,site", "given")]
    public void The_vault_password_comes_from_the_first_source_present(string present, string expected)
    {
        // One password per source; the site's vault is made under the one expected to win, so opening proves it was used.
        var sources = present.Split(',');
        string Password(string source) => $"pw-{source}-7c1e";
        string PasswordFile(string source) => _fixture.Write($"{source}.txt", Password(source) + "\n");
        var site = _fixture.PathOf("ordered");
        CliRunner.Run("init", "--profile", "development", "--out", site, "--vault-password-file", PasswordFile(expected)).ShouldSucceed();
        if (sources.Contains("site")) SiteFixture.WritePrivate(Path.Combine(site, SiteLoader.SiteVaultPasswordFile), Password("site") + "\n");
        var environment = new Dictionary<string, string>();
        if (sources.Contains("env")) environment[VaultPasswordSource.PasswordEnvironmentVariable] = Password("env");
        if (sources.Contains("envfile")) environment[VaultPasswordSource.PasswordFileEnvironmentVariable] = PasswordFile("envfile");
        var options = new SiteOpenOptions(site)
        {
            VaultPasswordFile = sources.Contains("option") ? PasswordFile("option") : null,
            VaultPassword = sources.Contains("given") ? new Secret(Password("given")) : null,
            Environment = Environment(environment),
        };

        var opening = SiteSession.Open(options);

        var session = opening.Session.ShouldNotBeNull(string.Join("\n", opening.Errors.Select(d => d.Message)));
        session.VaultPassword.ShouldNotBeNull().Reveal().ShouldBe(Password(expected));
        session.Secrets.ShouldNotBeEmpty();
    }

    [Fact]
    public void Prepare_builds_the_desired_state_from_the_session_and_keeps_its_secrets()
    {
        var session = SiteSession.Open(new SiteOpenOptions(_site) { VaultPasswordFile = _fixture.PasswordFile }).Session.ShouldNotBeNull();
        var notices = new List<string>();

        var prepared = PreparedSite.Prepare(session, notices.Add);

        prepared.Desired.Select(d => d.Host).ShouldBe(session.Site.Hosts.Select(h => h.Name), ignoreOrder: true);
        foreach (var (name, value) in session.Secrets) prepared.Secrets[name].Reveal().ShouldBe(value.Reveal());
        notices.ShouldContain(n => n.StartsWith("created the site's certificate authority in ", StringComparison.Ordinal));
        prepared.Secrets.Count.ShouldBeGreaterThan(session.Secrets.Count, "the issued certificates' keys join the vault's secrets");
        Directory.Exists(Path.Combine(_site, "pki")).ShouldBeTrue();
    }

    [Fact]
    public void A_drill_refuses_a_site_with_an_error_naming_the_finding()
    {
        BreakSite();

        var e = Should.Throw<DrillException>(() => SiteDrillContext.Open(_site, _ => { }, _fixture.Password));

        e.Message.ShouldContain("group_vars/processing.yml:2");
        e.Message.ShouldContain("flink_rest_port");
        e.Message.ShouldNotContain(SiteFixture.KnownPassword);
    }
}
