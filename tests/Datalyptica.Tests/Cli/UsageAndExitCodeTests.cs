using Datalyptica.Cli;

namespace Datalyptica.Tests.Cli;

/// <summary>
/// Mistakes on the command line are refused before anything runs, with a "did you mean" from the verb's real options;
/// every verb exits with the code ExitCodes documents for the case.
/// </summary>
public sealed class UsageAndExitCodeTests : IDisposable
{
    private readonly SiteFixture _fx = new();

    public void Dispose() => _fx.Dispose();

    private string Site(string name = "dev") => _fx.Init("development", name);

    /// <summary>A site with an error (a host address that is not one): every verb that reads it must refuse it.</summary>
    private string InvalidSite()
    {
        var dir = Site("broken");
        File.WriteAllText(Path.Combine(dir, "host_vars", "db01.yml"), "ansible_host: not an address\ndatalyptica_vcpu: 8\n");
        return dir;
    }

    [Fact]
    public void A_mistyped_option_is_refused_with_the_verbs_nearest_option_and_renders_nothing()
    {
        var dir = Site();
        var output = _fx.PathOf("rendered");
        var result = CliRunner.Run("render", dir, "--out", output, "--hots", "db01").ShouldExit(ExitCodes.Usage);
        result.Err.ShouldBe("error: unknown option --hots for `datalyptica render`\nfix: did you mean --host? (`datalyptica render --help` lists every option)\n");
        result.Out.ShouldBeEmpty();
        Directory.Exists(output).ShouldBeFalse("nothing may run before the usage error");
    }

    [Fact]
    public void A_mistyped_limit_option_on_apply_is_refused_before_the_site_is_read()
    {
        var result = CliRunner.Run("apply", _fx.PathOf("no-such-site"), "--limt", "db01").ShouldExit(ExitCodes.Usage);
        result.Err.ShouldContain("unknown option --limt for `datalyptica apply`");
        result.Err.ShouldContain("did you mean --limit?");
        result.Err.ShouldNotContain("DL5", Case.Sensitive, "the site must not have been read");
    }

    [Fact]
    public void An_option_named_like_an_argument_says_the_argument_takes_no_option_name()
    {
        var result = CliRunner.Run("validate", "--site", Site()).ShouldExit(ExitCodes.Usage);
        result.Err.ShouldContain("unknown option --site for `datalyptica validate`");
        result.Err.ShouldContain("SITE is an argument, given without an option name: datalyptica validate [SITE] [OPTIONS]");
    }

    [Theory]
    [InlineData("validte", "did you mean validate?")]
    [InlineData("inventory lst", "did you mean list?")]
    [InlineData("secrets encrpyt", "did you mean encrypt?")]
    public void A_mistyped_verb_gets_a_did_you_mean(string args, string hint)
    {
        var result = CliRunner.Run(args.Split(' ')).ShouldExit(ExitCodes.Usage);
        result.Err.ShouldContain($"unknown command '{args.Split(' ')[^1]}'");
        result.Err.ShouldContain(hint);
    }

    [Fact]
    public void A_surplus_argument_is_refused() =>
        CliRunner.Run("validate", Site(), "extra").ShouldExit(ExitCodes.Usage)
            .Err.ShouldContain("unexpected argument 'extra' for `datalyptica validate` (it takes [SITE])");

    [Fact]
    public void A_missing_required_option_names_it() =>
        CliRunner.Run("render", Site()).ShouldExit(ExitCodes.Usage)
            .Err.ShouldContain("`datalyptica render` needs --out <DIR>");

    [Fact]
    public void An_option_without_its_value_says_so() =>
        CliRunner.Run("plan", Site(), "--parallel").ShouldExit(ExitCodes.Usage).Err.ShouldContain("--parallel needs a value");

    [Fact]
    public void A_limit_part_that_matches_nothing_is_refused_with_close_names_and_no_host_is_contacted()
    {
        var dir = Site();
        var result = CliRunner.Run("plan", dir, "--assume-empty", "--limit", "db01,ctalog", "--vault-password-file", _fx.PasswordFile)
            .ShouldExit(ExitCodes.Usage);
        result.Err.ShouldContain("--limit 'db01,ctalog': 'ctalog' matches no host or group");
        result.Err.ShouldContain("did you mean catalog?");
        Directory.Exists(Path.Combine(dir, "pki")).ShouldBeFalse("a refused limit must stop before certificates are issued");
    }

    [Fact]
    public void A_limit_whose_exclusions_remove_every_host_is_refused() =>
        CliRunner.Run("plan", Site(), "--assume-empty", "--limit", "catalog:!db0*", "--vault-password-file", _fx.PasswordFile)
            .ShouldExit(ExitCodes.Usage).Err.ShouldContain("matches no host");

    [Fact]
    public void Plan_prints_the_hosts_the_limit_matched_and_plans_only_those()
    {
        var result = CliRunner.Run("plan", Site(), "--assume-empty", "--limit", "catalog:!db03", "--vault-password-file", _fx.PasswordFile)
            .ShouldExit(ExitCodes.ChangesPending);
        result.Out.ShouldContain("limit 'catalog:!db03' matched 2 of 15 host(s): db01, db02");
        var json = CliRunner.Run("plan", Site("json"), "--assume-empty", "--limit", "etcd[0]", "--vault-password-file", _fx.PasswordFile, "-o", "json")
            .ShouldExit(ExitCodes.ChangesPending);
        json.Err.ShouldContain("limit 'etcd[0]' matched 1 of 15 host(s): db01");
        json.Json().GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("host").GetString()).ShouldBe(["db01"]);
    }

    [Fact]
    public void Apply_refuses_a_limit_that_matches_nothing_before_connecting() =>
        CliRunner.Run("apply", Site(), "--limit", "nohost", "--vault-password-file", _fx.PasswordFile, "--known-hosts", _fx.PathOf("known_hosts"))
            .ShouldExit(ExitCodes.Usage).Err.ShouldContain("'nohost' matches no host or group");

    [Fact]
    public void Apply_no_longer_offers_assume_empty() =>
        CliRunner.Run("apply", Site(), "--assume-empty").ShouldExit(ExitCodes.Usage).Err.ShouldContain("unknown option --assume-empty");

    /// <summary>One case per verb that validates a site: an invalid site exits 3 before any host is contacted.</summary>
    [Theory]
    [InlineData("validate")]
    [InlineData("render --out OUT")]
    [InlineData("plan --assume-empty")]
    [InlineData("apply")]
    [InlineData("verify")]
    [InlineData("backup SITE info")]
    [InlineData("backup SITE restore --target 2026-01-01T00:00:00Z --yes")]
    [InlineData("drill SITE patroni-stop")]
    [InlineData("restart SITE patroni --yes")]
    [InlineData("upgrade SITE postgresql 15.20-0+deb12u1 --yes")]
    [InlineData("snapshot")]
    public void Every_verb_refuses_an_invalid_site_with_exit_3(string verb)
    {
        var site = InvalidSite();
        var words = verb.Split(' ').Select(w => w == "OUT" ? _fx.PathOf("out") : w == "SITE" ? site : w).ToList();
        if (!words.Contains(site)) words.Insert(1, site);
        var result = CliRunner.Run([.. words, "--vault-password-file", _fx.PasswordFile]).ShouldExit(ExitCodes.InvalidSite);
        result.All.ShouldContain("DL530");
    }

    /// <summary>bom, inventory list and repo build read a site without validating it; one they cannot read exits 3 too.</summary>
    [Theory]
    [InlineData("bom")]
    [InlineData("inventory list")]
    [InlineData("repo build --out OUT")]
    public void Verbs_that_only_read_a_site_exit_3_when_it_cannot_be_read(string verb)
    {
        var words = verb.Split(' ').Select(w => w == "OUT" ? _fx.PathOf("out") : w).ToList();
        words.Insert(verb.StartsWith("bom", StringComparison.Ordinal) ? 1 : 2, _fx.PathOf("no-such-site"));
        CliRunner.Run([.. words]).ShouldExit(ExitCodes.InvalidSite).All.ShouldContain("DL500");
    }

    [Fact]
    public void Validate_exits_0_on_a_valid_site() => CliRunner.Run("validate", Site()).ShouldExit(ExitCodes.Ok);

    [Fact]
    public void Plan_exits_2_when_changes_are_pending() =>
        CliRunner.Run("plan", Site(), "--assume-empty", "--vault-password-file", _fx.PasswordFile).ShouldExit(ExitCodes.ChangesPending);

    [Theory]
    [InlineData("init --profile nope --out OUT", "unknown profile 'nope'")]
    [InlineData("drill SITE no-such-drill", "no drill 'no-such-drill'")]
    [InlineData("backup SITE", "needs the argument ACTION")]
    [InlineData("restart SITE etdc", "no component 'etdc'; did you mean etcd?")]
    [InlineData("upgrade SITE postgresq 15.20-0+deb12u1", "no component 'postgresq'; did you mean postgresql?")]
    [InlineData("upgrade SITE postgresql 15.20;reboot", "'15.20;reboot' is not a Debian version")]
    [InlineData("upgrade SITE postgresql", "VERSION")]
    [InlineData("upgrade SITE postgresql 15.20-0+deb12u1 --wait 0", "--wait must be between 1 and 3600 seconds")]
    [InlineData("restart SITE patroni --wait 0", "--wait must be between 1 and 3600 seconds")]
    [InlineData("restart SITE", "COMPONENT")]
    [InlineData("backup SITE restore-test", "restore-test needs --target TIME")]
    [InlineData("backup SITE restore", "restore needs --target TIME")]
    [InlineData("backup SITE restore --target yesterday", "'yesterday' is not a time with its UTC offset")]
    [InlineData("backup SITE restore --target 2026-01-01T00:00:00", "is not a time with its UTC offset")]
    [InlineData("backup SITE restore --target 2026-01-01T00:00:00Z;reboot", "is not a time with its UTC offset")]
    [InlineData("backup SITE restore --target 2026-13-45T99:00:00Z", "is not a real date and time")]
    [InlineData("backup SITE restore --target 2999-01-01T00:00:00Z", "is in the future")]
    [InlineData("backup SITE restore --target 2026-01-01T00:00:00Z --wait 0", "--wait must be between 1 and 86400 seconds")]
    [InlineData("backup SITE info --target 2026-01-01T00:00:00Z", "--target is for restore-test and restore only")]
    [InlineData("backup SITE full --yes", "--member and --yes are for restore only")]
    [InlineData("verify SITE --component etdc", "did you mean etcd?")]
    [InlineData("repo serve DIR", "needs --listen <ADDR:PORT>")]
    [InlineData("upgrade SITE postgresql 15.20-0+deb12u1 --rollback", "give VERSION or --rollback, not both")]
    [InlineData("snapshot SITE --on-calendar daily;reboot", "--on-calendar 'daily;reboot' is not a systemd calendar event")]
    [InlineData("snapshot SITE --parallel 0", "--parallel must be at least 1")]
    [InlineData("snapshot SITE --limit no-such-host --vault-password-file PW", "'no-such-host' matches no host or group")]
    [InlineData("plan SITE --assume-empty --since-snapshot", "--since-snapshot reads the hosts; it cannot go with --assume-empty")]
    [InlineData("profiles -o yaml", "valid values are 'Human', 'Json'")]
    public void Usage_errors_of_each_verb_exit_64(string args, string message)
    {
        var site = args.Contains("SITE") ? Site() : "";
        var words = args.Split(' ').Select(w => w switch { "SITE" => site, "OUT" => _fx.PathOf("out"), "DIR" => _fx.Root, "PW" => _fx.PasswordFile, _ => w });
        CliRunner.Run([.. words]).ShouldExit(ExitCodes.Usage).Err.ShouldContain(message);
    }

    /// <summary>A component installed from its release archive has no package upgrade: refused before any host is contacted.</summary>
    [Fact]
    public void Upgrade_refuses_a_component_without_versioned_packages_or_a_release_not_in_the_store_before_any_host()
    {
        var site = Site();
        var result = CliRunner.Run("upgrade", site, "etcd", "3.4.23-4+b6", "--yes", "--vault-password-file", _fx.PasswordFile).ShouldExit(ExitCodes.Failed);
        result.Err.ShouldContain("etcd declares no packages that carry its version");
        result.Err.ShouldContain("Components with one:");
        result.Err.ShouldNotContain("could not read every member");
        var release = CliRunner.Run("upgrade", site, "trino", "470", "--yes", "--vault-password-file", _fx.PasswordFile).ShouldExit(ExitCodes.Failed);
        release.Err.ShouldContain("trino 470: trino-server-470.tar.gz is not in the site's artifact store");
        release.Err.ShouldContain("artifacts fetch SITE --release trino=470");
        release.Err.ShouldNotContain("could not read every member");
    }

    [Fact]
    public void Upgrade_rollback_with_no_upgrade_in_the_journal_says_so_before_any_host()
    {
        var result = CliRunner.Run("upgrade", Site(), "postgresql", "--rollback", "--yes", "--vault-password-file", _fx.PasswordFile).ShouldExit(ExitCodes.Failed);
        result.Err.ShouldContain("records no completed upgrade of postgresql that moved a member");
        result.Err.ShouldContain("Fix: name the version to go to");
        result.Err.ShouldNotContain("could not read every member");
    }

    [Fact]
    public void Root_help_shows_every_exit_code()
    {
        var help = CliRunner.Run("--help").ShouldSucceed().Out;
        foreach (var e in ExitCodes.Table) help.ShouldContain($"{e.Code}  {e.Name}");
    }
}
