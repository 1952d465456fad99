using Datalyptica.Contracts.Rendering;
using Datalyptica.Engine.Apply;
using Datalyptica.Engine.Planning;
using Datalyptica.Engine.Resources;
using Datalyptica.Secrets;
using Datalyptica.Tests.Cli;

namespace Datalyptica.Tests.Engine.Planning;

/// <summary>
/// Issue 13: `apply --plan FILE` runs only a plan this site sealed. An untouched sealed plan applies (real shell, temp
/// root); an edited step, an edited upload path, a plan of another site (or vault password), an unsealed plan, and an
/// upload to a path the site does not render are refused before any host is touched.
/// </summary>
public sealed class PlanSealTests : IDisposable
{
    private const string Password = "correct horse battery staple";
    private readonly TempRoot _root = new();
    private readonly LocalTestTransport _transport = new("h1");
    private readonly Secret _secret = new("db-pa55");

    public void Dispose() => _root.Dispose();

    private IReadOnlyList<HostDesiredState> Desired() =>
    [
        new("h1",
        [
            new(Layer.Prerequisites, new DirectoryResource("/etc/app", "app")),
            new(Layer.Prerequisites, new FileResource("/etc/app/app.conf", $"password = {SecretPlaceholder.For("vault_db")}\n", "app") { Mode = Modes.Private }),
            new(Layer.Prerequisites, new CommandResource("init", $"touch {_root["/etc/app/initialized"]}", "app") { Creates = "/etc/app/initialized" }),
        ]),
    ];

    private async Task<string> SavedPlanAsync(string site = "site-a", string password = Password)
    {
        var plan = await Planner.PlanAsync(site, Desired(), _ => _transport, new PlanOptions { Root = _root.Path, ResolveSecret = _ => _secret }, new SecretMasker(_secret), CancellationToken.None);
        return PlanJson.Write(PlanSeal.Seal(plan, PlanSeal.Key(new Secret(password), site)));
    }

    private string? Check(string json, string site = "site-a") =>
        PlanSeal.Check(PlanJson.Read(json), PlanSeal.Key(new Secret(Password), site), site, Desired(), "plan.json");

    [Fact]
    public async Task An_untouched_sealed_plan_is_accepted_and_applies()
    {
        var json = await SavedPlanAsync();
        json.ShouldContain("\"mac\": \"");
        Check(json).ShouldBeNull();

        var result = await PlanApplier.ApplyAsync(PlanJson.Read(json), _ => _transport, new ApplyOptions
        {
            JournalDirectory = _root["/journal"], Artifacts = new ArtifactStore(_root["/artifacts"]), ResolveSecret = _ => _secret,
        }, CancellationToken.None);
        result.Status.ShouldBe(ApplyStatus.Completed, result.Message);
        File.ReadAllText(_root["/etc/app/app.conf"]).ShouldBe("password = db-pa55\n");
    }

    [Fact]
    public async Task An_edited_step_is_refused()
    {
        var json = await SavedPlanAsync();
        var edited = json.Replace($"touch {_root["/etc/app/initialized"]}", $"touch {_root["/etc/app/initialized"]}; id > /tmp/pwn");
        edited.ShouldNotBe(json);
        Check(edited).ShouldNotBeNull().ShouldStartWith("the plan plan.json does not match its seal (MAC): it was edited after `plan --out`");
    }

    [Fact]
    public async Task An_edited_upload_path_is_refused()
    {
        var json = await SavedPlanAsync();
        var edited = json.Replace($"\"target\": \"{_root["/etc/app/app.conf"]}\"", "\"target\": \"/root/.ssh/authorized_keys\"");
        edited.ShouldNotBe(json);
        Check(edited).ShouldNotBeNull().ShouldContain("does not match its seal");
    }

    [Fact]
    public async Task A_plan_of_another_site_or_vault_password_or_without_a_seal_is_refused()
    {
        var other = await SavedPlanAsync(site: "site-b");
        var refusal = Check(other).ShouldNotBeNull();
        refusal.ShouldContain("made for another site or with another vault password");
        refusal.ShouldContain("it names site 'site-b', this is 'site-a'");

        // Same name, another site's password: the key differs, so does the seal.
        Check(await SavedPlanAsync(password: "another password")).ShouldNotBeNull().ShouldContain("does not match its seal");

        var unsealed = PlanJson.Write(PlanJson.Read(await SavedPlanAsync()) with { Mac = null });
        Check(unsealed).ShouldNotBeNull().ShouldContain("carries no seal");
        Check((await SavedPlanAsync()).Replace("\"mac\": \"", "\"mac\": \"zz")).ShouldNotBeNull().ShouldContain("does not match its seal");
    }

    [Fact]
    public async Task A_correctly_sealed_upload_to_a_path_the_site_does_not_render_is_still_refused()
    {
        var plan = PlanJson.Read(await SavedPlanAsync());
        var host = plan.Hosts.Single();
        var planted = host.Changes[0] with { Steps = [PlanStep.Upload("/etc/cron.d/x", "* * * * * root id\n", "root", "root", "0644")] };
        var resealed = PlanSeal.Seal(plan with { Hosts = [host with { Changes = [planted, .. host.Changes.Skip(1)] }] }, PlanSeal.Key(new Secret(Password), "site-a"));
        Check(PlanJson.Write(resealed)).ShouldNotBeNull().ShouldContain("uploads to /etc/cron.d/x on 'h1', a path the site does not render for that host");
    }

    [Fact]
    public void The_key_depends_on_password_and_site_and_never_shows()
    {
        var key = PlanSeal.Key(new Secret(Password), "site-a");
        key.Length.ShouldBe(32);
        PlanSeal.Key(new Secret(Password), "site-a").ShouldBe(key);
        PlanSeal.Key(new Secret(Password), "site-b").ShouldNotBe(key);
        PlanSeal.Key(new Secret(Password + "x"), "site-a").ShouldNotBe(key);
    }
}

/// <summary>The verbs: plan --out seals, apply --plan refuses an edited plan before touching any host.</summary>
public sealed class PlanSealCliTests
{
    [Fact]
    public void Apply_refuses_an_edited_saved_plan_and_plan_out_writes_no_secret_or_key()
    {
        // Loopback addresses on a closed port: if anything went wrong, nothing leaves this machine.
        using var fixture = new SiteFixture();
        var ips = fixture.Write("ips.txt", string.Join('\n', Enumerable.Range(11, 15).Select(i => $"127.0.0.{i}")) + "\n");
        var site = fixture.PathOf("site");
        CliRunner.Run("inventory", "generate", "--profile", "development", "--ips", ips, "--vip", "127.0.0.100/24",
            "--out", site, "--vault-password-file", fixture.PasswordFile).ShouldSucceed();
        File.AppendAllText(Path.Combine(site, "group_vars", "all.yml"), $"ansible_port: {Transport.SshdServer.FreeLoopbackPort()}\n");
        var saved = fixture.PathOf("plan.json");
        CliRunner.Run("plan", site, "--assume-empty", "--vault-password-file", fixture.PasswordFile, "--out", saved).ExitCode.ShouldBe(2);
        var json = File.ReadAllText(saved);
        json.ShouldContain("\"mac\": \"");
        json.ShouldNotContain(SiteFixture.KnownPassword);

        // A root shell step gains a command (the first Run step of the plan).
        var editedJson = new System.Text.RegularExpressions.Regex("(\"kind\": \"Run\",\\s*\"target\": \"\",\\s*\"text\": \")").Replace(json, "$1id >/tmp/pwn; ", 1);
        editedJson.ShouldNotBe(json);
        var edited = fixture.Write("edited.json", editedJson);
        var result = CliRunner.Run("apply", site, "--plan", edited, "--vault-password-file", fixture.PasswordFile, "--known-hosts", fixture.PathOf("known_hosts"));
        result.ShouldFail();
        result.Err.ShouldContain($"error: the plan {edited} does not match its seal (MAC)");
        result.Err.ShouldNotContain("Connection");
        result.All.ShouldNotContain(SiteFixture.KnownPassword);
        Directory.Exists(Path.Combine(site, ".datalyptica", "journal")).ShouldBeFalse("refused before any run started");
    }
}
