using Datalyptica.Components;
using Datalyptica.Components.OsBaseLayer;
using Datalyptica.Contracts;
using Datalyptica.Contracts.Rendering;
using Datalyptica.Model;
using Datalyptica.Rendering;
using Datalyptica.Tests.Rendering;

namespace Datalyptica.Tests.Components.OsBaseLayer;

public class HostAccountsTests
{
    /// <summary>
    /// Applies a host's sysusers and tmpfiles files with the real tools into a temp root, the way apply does
    /// after installing packages: the root starts with this machine's passwd/group (which has the Debian
    /// package users, installed by setup.sh), then systemd-sysusers adds ours, then systemd-tmpfiles creates
    /// the folders and must resolve every owner.
    /// </summary>
    private static void Apply(RenderedSite site)
    {
        var packageUsers = ComponentCatalog.All.Select(ServiceAccounts.For).Where(a => a.CreatedByPackage && a.User != "root").Select(a => a.User).Distinct();
        var passwd = File.ReadAllLines("/etc/passwd").Select(l => l.Split(':')[0]).ToHashSet();
        foreach (var user in packageUsers)
            passwd.ShouldContain(user, $"the Debian package that creates '{user}' is not installed; run ./setup.sh");

        foreach (var (host, files) in site.Hosts)
        {
            var sysusers = files.Single(f => f.Path == HostAccounts.SysusersPath);
            var tmpfiles = files.Single(f => f.Path == HostAccounts.TmpfilesPath);
            var componentTmpfiles = files.Where(f => f.Path.StartsWith("/etc/tmpfiles.d/datalyptica-folders-", StringComparison.Ordinal)).ToList();
            using var root = new HostRoot([sysusers, tmpfiles, .. componentTmpfiles]);
            Directory.CreateDirectory(root.PathOf("/etc"));
            File.Copy("/etc/passwd", root.PathOf("/etc/passwd"), true);
            File.Copy("/etc/group", root.PathOf("/etc/group"), true);
            var users = Tool.Run("systemd-sysusers", [$"--root={root.Path}", root.PathOf(HostAccounts.SysusersPath)]);
            users.ExitCode.ShouldBe(0, $"{host.Name}: {users.Output}");
            // The OS base file first (its own layer), then each component's (after its package made the user).
            foreach (var path in componentTmpfiles.Select(f => f.Path).Prepend(HostAccounts.TmpfilesPath))
            {
                var dirs = Tool.Run("systemd-tmpfiles", [$"--root={root.Path}", "--create", root.PathOf(path)]);
                dirs.ExitCode.ShouldBe(0, $"{host.Name} {path}: {dirs.Output}");
                dirs.Stderr.ShouldBeEmpty($"{host.Name} {path}");
            }
            // The OS base layer runs before any component's package: it must name no user a package creates.
            foreach (var account in ComponentCatalog.All.Select(ServiceAccounts.For).Where(a => a.CreatedByPackage && a.User != "root"))
                tmpfiles.Content.ShouldNotContain($" {account.User} ", customMessage: $"{host.Name}: {account.User}");

            var created = File.ReadAllLines(root.PathOf("/etc/passwd")).Select(l => l.Split(':')).ToDictionary(p => p[0], p => p);
            foreach (var component in ComponentCatalog.All.Where(c => c.Roles.Any(host.Has)))
            {
                var account = ServiceAccounts.For(component);
                created.ShouldContainKey(account.User, $"{host.Name}: {component.Id}");
                foreach (var dir in new[] { PlatformPaths.Config(component.Id), PlatformPaths.Data(component.Id), PlatformPaths.Logs(component.Id) })
                    Directory.Exists(root.PathOf(dir)).ShouldBeTrue($"{host.Name}: {dir}");
                var data = new UnixFileInfo(root.PathOf(PlatformPaths.Data(component.Id)));
                data.OwnerId.ShouldBe(int.Parse(created[account.User][2]), $"{host.Name}: {PlatformPaths.Data(component.Id)} owner");
                (File.GetUnixFileMode(root.PathOf(PlatformPaths.Config(component.Id))) & UnixFileMode.OtherRead).ShouldBe((UnixFileMode)0);
                if (!account.CreatedByPackage)
                {
                    created[account.User][6].ShouldBe(ServiceAccounts.NoLoginShell);
                    sysusers.Content.ShouldContain($"u {account.User} ");
                }
                else sysusers.Content.ShouldNotContain($"u {account.User} ");
            }
            // Nothing for components the host does not run.
            foreach (var component in ComponentCatalog.All.Where(c => !c.Roles.Any(host.Has)))
                files.ShouldNotContain(f => f.Path.StartsWith("/etc/tmpfiles.d/", StringComparison.Ordinal) && f.Content.Contains($" {PlatformPaths.Data(component.Id)} "));
        }
    }

    [Fact] public void Production_users_and_folders_apply_with_systemd_tools() => Apply(RenderedSites.Production);
    [Fact] public void Development_users_and_folders_apply_with_systemd_tools() => Apply(RenderedSites.Development);

    private sealed class UnixFileInfo(string path)
    {
        public int OwnerId { get; } = int.Parse(Tool.Run("stat", ["-c", "%u", path]).Stdout.Trim());
    }
}

public class ChronyTests
{
    private static IReadOnlyList<RenderedFile> Render(Site site, string host) =>
        SiteRenderer.Render(site, host, OsBaseRenderer.ComponentId)[0].Files;

    [Fact]
    public void Every_host_syncs_from_the_same_sources_and_the_site_can_name_them()
    {
        var rendered = RenderedSites.Production;
        rendered.FilesAt(Chrony.ConfigPath).Select(x => x.File.Content).Distinct().ShouldHaveSingleItem()
            .ShouldContain("pool 2.debian.pool.ntp.org iburst");
        var site = rendered.Site with
        {
            Vars = new Dictionary<string, Setting>(rendered.Site.Vars) { [Chrony.ServersKey] = new(new List<object?> { "ntp1.corp.example", "ntp2.corp.example" }, null) },
        };
        var conf = Render(site, "pg01").Single(f => f.Path == Chrony.ConfigPath).Content;
        conf.ShouldContain("server ntp1.corp.example iburst\nserver ntp2.corp.example iburst\n");
        conf.ShouldNotContain("debian.pool");
        conf.ShouldContain("makestep 1 3");
    }

    [Fact]
    public void Os_base_variables_are_known_to_validation()
    {
        foreach (var key in new[] { Chrony.ServersKey, Chrony.ContainerKey, FirewallPolicy.ClientNetworksKey, FirewallPolicy.AdminNetworksKey, FirewallPolicy.SshSourcesKey })
            Datalyptica.Validation.UnknownKeyRule.KnownKeys.ShouldContain(key);
    }

    [Fact]
    public void The_container_drop_in_exists_only_for_container_hosts()
    {
        var site = RenderedSites.Production.Site;
        RenderedSites.Production.FilesAt(Chrony.ContainerDropInPath).ShouldBeEmpty();
        var lab = site with { Vars = new Dictionary<string, Setting>(site.Vars) { [Chrony.ContainerKey] = new(true, null) } };
        var dropIn = Render(lab, "pg01").Single(f => f.Path == Chrony.ContainerDropInPath);
        dropIn.Kind.ShouldBe(FileKind.SystemdUnit);
        dropIn.Content.ShouldContain("ConditionCapability=\n");
        dropIn.Content.ShouldContain("ExecStart=\nExecStart=!/usr/sbin/chronyd $DAEMON_OPTS -x\n");
    }
}
