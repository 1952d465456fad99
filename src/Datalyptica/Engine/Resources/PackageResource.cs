using Datalyptica.Contracts.Hosts;
using Datalyptica.Engine.Facts;
using Datalyptica.Engine.Repository;

namespace Datalyptica.Engine.Resources;

public enum PackageManager { Apt, Dnf }

/// <summary>
/// Distribution packages that must be installed (one resource per component, one install command for the missing ones).
/// </summary>
/// <remarks>
/// Ordering trap (found on the lab; autobase's etcd role): Debian starts a service the moment its package is installed
/// (postgresql's 15/main cluster, etcd, redis on 0.0.0.0) before our configuration exists. Apt runs under a
/// policy-rc.d that answers 101 ("action forbidden"), which deb-systemd-invoke and invoke-rc.d honour, so nothing
/// starts on install; our SystemdService resources start services once their configuration is in place.
/// </remarks>
public sealed record PackageResource(IReadOnlyList<string> Names, string Component) : IResource
{
    public PackageManager Manager { get; init; } = PackageManager.Apt;

    /// <summary>The offline repository this install reaches for its packages, only while it runs; null: the host's own sources.</summary>
    public TransientAptSource? Source { get; init; }

    /// <summary>Why no package can be installed from the site's source (its signing key is missing); planning an install then fails with it.</summary>
    public string? SourceProblem { get; init; }

    /// <summary>
    /// The site's pins for these packages (<see cref="PackagePins"/>): a missing one is installed at its pinned version.
    /// One already installed at another version is left as it is and shown: moving a running server to other binaries
    /// is <c>datalyptica upgrade</c>'s rolling, health-gated work, never a side effect of apply.
    /// </summary>
    public IReadOnlyDictionary<string, string> Pins { get; init; } = new Dictionary<string, string>();

    public string Id => $"package:{Component}";

    public void Require(FactQuery query) { foreach (var name in Names) query.Package(name); }

    public ResourcePlan Plan(HostFacts facts, PlanContext context)
    {
        var missing = Names.Where(n => !facts.Package(n).Installed).ToList();
        if (missing.Count == 0)
            return ResourcePlan.Noop($"installed: {string.Join(", ", Names.Select(n => $"{n} {facts.Package(n).Version}{PinNote(n, facts.Package(n).Version)}"))}");
        if (SourceProblem is not null) throw new InvalidOperationException(SourceProblem);
        return ResourcePlan.Of(new Change(ChangeAction.Create, $"not installed: {string.Join(", ", missing.Select(n => PackagePins.AptArgument(n, Pins)))}")
            { Steps = [PlanStep.Run(InstallCommand(Manager, missing.Select(n => PackagePins.AptArgument(n, Pins)), Source))] });
    }

    private string PinNote(string name, string? installed) =>
        Pins.TryGetValue(name, out var pinned) && pinned != installed
            ? $" (the site pins {pinned}: `datalyptica upgrade SITE {Component} {pinned}` moves it member by member)"
            : "";

    /// <summary>apt waits this long for a dpkg/lists lock another apt-get holds (apt >= 1.9.11) before it gives up.</summary>
    public const string AptLockWait = "-o DPkg::Lock::Timeout=180";
    private const string PolicyRcD = "/usr/sbin/policy-rc.d";

    private static string AptInstall(string list, string sourceOptions, bool movesPins) =>
        $"DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends{(movesPins ? " --allow-downgrades --allow-change-held-packages" : "")} {AptLockWait}{sourceOptions} -o Dpkg::Options::=--force-confold {list}";

    /// <param name="names">Package names, or NAME=VERSION for a pinned version. A pinned package is held after the install
    /// (<c>apt-mark hold</c>): without it, a later install of an unrelated package moved postgresql-15 from its pinned
    /// 15.18 to 15.20 on the lab (apt's own choice, in the same transaction as patroni's install).</param>
    /// <param name="movesPins">An upgrade (or its roll back) moves held packages to another version on purpose, older
    /// ones included; only then may apt change a held package.</param>
    public static string InstallCommand(PackageManager manager, IEnumerable<string> names, TransientAptSource? source = null, bool movesPins = false)
    {
        var arguments = names.ToList();
        var list = string.Join(' ', arguments.Select(RemoteCommand.Quote));
        var pinned = arguments.Select(PackagePins.Split).Where(a => a.Version is not null).Select(a => RemoteCommand.Quote(a.Name)).ToList();
        var hold = pinned.Count == 0 ? "" : $" && apt-mark hold {string.Join(' ', pinned)} >/dev/null";
        // With the offline repository: its transient source first, then an update against it alone, and it goes
        // whatever the install's outcome.
        var sourceOptions = source is null ? "" : " " + source.OptionsText;
        var prepare = source is null ? "" :
            $"{source.Prepare.Raw} && DEBIAN_FRONTEND=noninteractive apt-get update -q {AptLockWait}{sourceOptions} && ";
        var cleanup = source is null ? "" : $"{source.Cleanup.Raw}; ";
        var install = $"{{ {AptInstall(list, sourceOptions, movesPins)} || {{ DEBIAN_FRONTEND=noninteractive dpkg --configure -a --force-confold && {AptInstall(list, sourceOptions, movesPins)}; }}; }}";
        if (hold.Length > 0) install = $"{{ {install}{hold}; }}";
        return manager switch
        {
            // --no-install-recommends: Recommends pull nvme-cli and friends whose units fail in containers (found on the lab).
            // --force-confold keeps a configuration file we may already have written.
            // The lock wait: an apply killed mid-install leaves its apt-get running on the host (no tty, so no SIGHUP);
            // the re-run waits for it to finish instead of failing on the dpkg lock (seen on the lab, see the faults test).
            // A policy-rc.d the host already had is kept aside and put back (a re-run after a kill finds ours in place and
            // the saved one still aside). A host that died inside dpkg leaves packages half-configured, and apt refuses
            // to run until `dpkg --configure -a`: that is run, then the install once more.
            PackageManager.Apt =>
                $"saved={PolicyRcD}.datalyptica-saved; " +
                $"if [ -e {PolicyRcD} ] && [ ! -e \"$saved\" ]; then mv {PolicyRcD} \"$saved\"; fi; " +
                $"printf '#!/bin/sh\\nexit 101\\n' > {PolicyRcD} && chmod 755 {PolicyRcD} && " +
                (source is null ? install : $"{{ {prepare}{install}; }}") + "; " +
                $"rc=$?; {cleanup}rm -f {PolicyRcD}; if [ -e \"$saved\" ]; then mv \"$saved\" {PolicyRcD}; fi; exit $rc",
            // RHEL does not start services on install; weak dependencies are the Recommends equivalent.
            PackageManager.Dnf => $"dnf install -y -q --setopt=install_weak_deps=False {list}",
            _ => throw new ArgumentOutOfRangeException(nameof(manager)),
        };
    }
}
