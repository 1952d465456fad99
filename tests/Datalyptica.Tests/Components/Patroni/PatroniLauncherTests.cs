using System.Text.Json;
using Datalyptica.Components.Patroni;
using Datalyptica.Tests.Rendering;
using Datalyptica.Tests.Verification;

namespace Datalyptica.Tests.Components.Patroni;

/// <summary>
/// The rendered launcher against Debian's real Patroni 3.0.2 library and a real etcd on loopback, replaying what the lab's
/// patroni-partition drill found: the old leader, on a cached view that still names it, after its lease expired and
/// another member took the key. As shipped, 3.0.2 overwrites the new leader's key; with the launcher's fix it must not,
/// and a leader whose key still names it (or whose key is gone) must still be able to renew with a new lease.
/// </summary>
public sealed class PatroniLauncherTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "dl-patroni-launcher-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly List<ServerProcess> _servers = [];

    public PatroniLauncherTests() => Directory.CreateDirectory(_dir);

    // Each case: the old leader takes the key and caches the cluster, then the case changes etcd behind its back,
    // then the old leader's next loop calls _update_leader() on that stale view. Prints the key's owner afterwards.
    private const string Harness = """
        import base64, importlib.util, json, sys
        spec = importlib.util.spec_from_file_location("run_patroni", sys.argv[1])
        launcher = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(launcher)
        patched = launcher.backport() if sys.argv[3] == "patched" else False
        from patroni.dcs import get_dcs

        def dcs(scope, name):
            return get_dcs({"scope": scope, "name": name, "ttl": 20, "loop_wait": 10, "retry_timeout": 10,
                            "etcd3": {"hosts": "127.0.0.1:" + sys.argv[2], "protocol": "http"}})

        def owner(member):
            kvs = member._client.range(member.leader_path).get("kvs", [])
            return base64.b64decode(kvs[0]["value"]).decode() if kvs else None

        results = {"patched": patched}
        for case in ("another-leader", "key-gone", "still-mine"):
            scope = case + "-" + sys.argv[3]
            old = dcs(scope, "old")
            old.get_cluster()
            assert old.attempt_to_acquire_leader()
            old.get_cluster()  # the view the old leader keeps through the fault
            if case in ("another-leader", "key-gone"):
                old._client.call_rpc("/lease/revoke", {"ID": old._lease})  # the fault outlived the lease: key gone
            if case == "another-leader":
                new = dcs(scope, "new")
                new.get_cluster()
                assert new.attempt_to_acquire_leader()
            if case == "still-mine":
                old._lease = None  # a new lease while the key still names it (a TTL change does this)
            updated = old._update_leader()
            results[case] = {"updated": bool(updated), "owner": owner(old)}
        print(json.dumps(results))
        """;

    private JsonElement Run(string mode, int etcdPort)
    {
        var launcher = Path.Combine(_dir, "run-patroni.py");
        File.WriteAllText(launcher, RenderedSites.Production.File("pg01", PatroniLauncher.Path).Content);
        var harness = Path.Combine(_dir, "harness.py");
        File.WriteAllText(harness, Harness);
        var run = Tool.Run("/usr/bin/python3", [harness, launcher, etcdPort.ToString(), mode], timeoutSeconds: 120);
        run.ExitCode.ShouldBe(0, run.Output);
        return JsonDocument.Parse(run.Stdout.Trim().Split('\n')[^1]).RootElement;
    }

    [Fact]
    public void A_stale_leader_no_longer_overwrites_the_key_another_member_took_and_a_real_leader_still_renews()
    {
        if (!File.Exists("/usr/bin/patroni")) throw new InvalidOperationException("patroni is missing: setup.sh installs patroni, python3-etcd3 and python3-psycopg2.");
        _servers.Add(ServerProcess.StartEtcd(Path.Combine(_dir, "etcd"), out var client));

        // Debian's 3.0.2 as shipped: the bug the launcher exists for (if this stops failing, the package was fixed).
        var shipped = Run("shipped", client);
        shipped.GetProperty("another-leader").GetProperty("owner").GetString().ShouldBe("old", "Patroni 3.0.2 as shipped overwrites the new leader's key");

        var patched = Run("patched", client);
        patched.GetProperty("patched").GetBoolean().ShouldBeTrue($"the launcher applies its fix to Patroni {PatroniLauncher.PatchedVersion} only");
        patched.GetProperty("another-leader").GetProperty("owner").GetString().ShouldBe("new");
        patched.GetProperty("another-leader").GetProperty("updated").GetBoolean().ShouldBeFalse("the stale leader's update fails, so Patroni steps down");
        foreach (var renewable in new[] { "key-gone", "still-mine" })
        {
            patched.GetProperty(renewable).GetProperty("owner").GetString().ShouldBe("old", renewable);
            patched.GetProperty(renewable).GetProperty("updated").GetBoolean().ShouldBeTrue(renewable);
        }
    }

    [Fact]
    public void The_unit_starts_patroni_through_the_launcher_and_the_drop_in_still_verifies()
    {
        var dropIn = RenderedSites.Production.File("pg01", PatroniRenderer.DropInPath).Content;
        dropIn.ShouldContain($"ExecStart=\nExecStart=/usr/bin/python3 {PatroniLauncher.Path} {PatroniRenderer.ConfigPath}\n");
        var launcher = RenderedSites.Production.File("pg01", PatroniLauncher.Path);
        launcher.Group.ShouldBe("postgres");
        Tool.Run("/usr/bin/python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], stdin: launcher.Content).ExitCode.ShouldBe(0);
    }

    public void Dispose()
    {
        foreach (var server in _servers) server.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
