using System.ComponentModel;
using Datalyptica.Lab;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public class LabSettings : OutputSettings
{
    [CommandOption("--name <NAME>")]
    [Description("Lab name (its folder under --root). Default: default.")]
    [DefaultValue("default")]
    public string Name { get; init; } = "default";

    [CommandOption("--root <DIR>")]
    [Description("Where labs and the cached base image live. Default: /var/lib/datalyptica/lab.")]
    [DefaultValue(LabOptions.DefaultRoot)]
    public string Root { get; init; } = LabOptions.DefaultRoot;

    [CommandOption("--bridge <NAME>")]
    [Description("The bridge the lab creates (10.77.0.1/24, no route out). Default: dl-lab0.")]
    [DefaultValue("dl-lab0")]
    public string Bridge { get; init; } = "dl-lab0";

    [CommandOption("--subnet <A.B.C>")]
    [Description("First three octets of the lab's /24 (bridge .1, hosts .11..). Two labs at once need two bridges and two subnets. Default: 10.77.0.")]
    [DefaultValue("10.77.0")]
    public string Subnet { get; init; } = "10.77.0";

    public override ValidationResult Validate() =>
        !LabOptions.IsLabName(Name) ? ValidationResult.Error($"--name '{Name}' is not a lab name: lower-case letters, digits and '-', at most 32, such as dr-b")
        : !LabOptions.IsBridgeName(Bridge) ? ValidationResult.Error($"--bridge '{Bridge}' is not an interface name: letters, digits, '_', '.', '-', at most 15, such as dl-lab1")
        : System.Net.IPAddress.TryParse(Subnet + ".1", out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && Subnet.Split('.').Length == 3
            ? base.Validate() : ValidationResult.Error($"--subnet '{Subnet}' is not three octets such as 10.77.0");

    public virtual LabOptions Options() => new() { Name = Name, Root = Root, Bridge = Bridge, Subnet = Subnet };
}

public sealed class LabUpSettings : LabSettings
{
    [CommandOption("--hosts <N>")]
    [Description("How many hosts a new lab gets (lab01.., 10.77.0.11..). Default: 3; on a lab that exists, its own count (another is refused).")]
    public int? Hosts { get; init; }

    [CommandOption("--recreate")]
    [Description("Delete the lab first (its hosts, their data, its site with vault password, secrets and CA), says what it deletes, then build it again. Without it, lab up on a lab that exists only boots the hosts that are down.")]
    public bool Recreate { get; init; }

    [CommandOption("--bare")]
    [Description("Write a site of bare hosts (the OS base layer only, no components) instead of the `lab` profile.")]
    public bool Bare { get; init; }

    [CommandOption("--jupyterhub")]
    [Description("Also place JupyterHub 3.0 from Debian's package, active/passive on lab01 and lab02 (PAM login as the site's local account).")]
    public bool JupyterHub { get; init; }

    [CommandOption("--etcd-apart")]
    [Description("Place etcd on 3 hosts of its own, as production does (needs --hosts 6): lab01-03 run the rest of the HA core, lab04-06 etcd.")]
    public bool EtcdApart { get; init; }

    public override LabOptions Options() => base.Options() with { BareSite = Bare, JupyterHub = JupyterHub, EtcdApart = EtcdApart };

    [CommandOption("--site <DIR>")]
    [Description("Where to write the site for the hosts. Default: ROOT/NAME/site.")]
    public string? Site { get; init; }

    /// <summary>The hosts the etcd-apart variant places: 3 for the HA core, 3 for etcd.</summary>
    public const int EtcdApartHosts = 6;

    public override ValidationResult Validate() =>
        Hosts is { } n && n is < 1 or > LabOptions.MaxHosts ? ValidationResult.Error($"--hosts must be 1 to {LabOptions.MaxHosts} (hosts take .11-.99; the lab's VIPs are .100 and up)")
        : EtcdApart && (JupyterHub || Bare) ? ValidationResult.Error("--etcd-apart is a lab variant of its own: not with --jupyterhub or --bare")
        : EtcdApart && (Hosts ?? LabOptions.DefaultHosts) < EtcdApartHosts ? ValidationResult.Error($"--etcd-apart places etcd on hosts of its own: it needs --hosts {EtcdApartHosts}")
        : base.Validate();
}

public sealed class LabSshSettings : LabSettings
{
    [CommandArgument(0, "<HOST>")]
    [Description("Host name (lab01) or address.")]
    public string Host { get; init; } = "";

    [CommandArgument(1, "[COMMAND]")]
    [Description("Command to run instead of a login shell.")]
    public string[] Command { get; init; } = [];
}

/// <summary>`datalyptica lab up`: boots the hosts, checks SSH with their recorded keys, writes the site, prints the timings.</summary>
public sealed class LabUpCommand(CliIo io) : AsyncCommand<LabUpSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LabUpSettings settings, CancellationToken cancellation)
    {
        var result = await LiveProgress.RunAsync(io, settings.Output, "lab up", line => io.Error.WriteLine(line),
            step => new LabManager(settings.Options(), step).UpAsync(settings.Hosts, settings.Site, cancellation, settings.Recreate));
        if (settings.Output == OutputFormat.Json)
        {
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                result.AlreadyUp,
                result.Existing,
                result.Image,
                imageBuildSeconds = result.ImageBuild?.TotalSeconds,
                totalSeconds = result.Total.TotalSeconds,
                hosts = result.Hosts.Select(h => new { host = h.Host, address = h.Address, bootToSshSeconds = h.BootToSsh.TotalSeconds }),
                result.Site,
            });
            return ExitCodes.Ok;
        }
        if (result.AlreadyUp) io.Out.MarkupLine($"lab '{Markup.Escape(settings.Name)}' is already up; every host answers SSH.");
        else if (result.Existing)
        {
            foreach (var h in result.Hosts)
                io.Out.MarkupLine($"  {h.Host} {h.Address}: was down, booted again, SSH after {h.BootToSsh.TotalSeconds:0.00} s");
            io.Out.MarkupLine($"lab '{Markup.Escape(settings.Name)}' is up again: {result.Hosts.Count} host(s) booted, every disk, the site and its secrets kept ({result.Total.TotalSeconds:0.0} s)");
        }
        else
        {
            io.Out.MarkupLine(result.ImageBuild is { } b
                ? $"base image built in {b.TotalSeconds:0.0} s: {Markup.Escape(result.Image)}"
                : $"base image (cached): {Markup.Escape(result.Image)}");
            foreach (var h in result.Hosts)
                io.Out.MarkupLine($"  {h.Host} {h.Address}: boot to SSH {h.BootToSsh.TotalSeconds:0.00} s");
            io.Out.MarkupLine($"lab up in {result.Total.TotalSeconds:0.0} s");
        }
        io.Out.MarkupLine($"site: {Markup.Escape(result.Site)} ({(settings.Bare ? "bare hosts: the OS base layer only" : "the `lab` profile: the HA core on 3 hosts")})");
        io.Out.MarkupLine("next: datalyptica apply SITE && datalyptica verify SITE | datalyptica lab status | datalyptica lab ssh lab01 | datalyptica lab down");
        return ExitCodes.Ok;
    }
}

/// <summary>`datalyptica lab status`: each host's address, PID, whether it runs and whether SSH (strict) works.</summary>
public sealed class LabStatusCommand(CliIo io) : AsyncCommand<LabSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LabSettings settings, CancellationToken cancellation)
    {
        var lab = new LabManager(settings.Options());
        var hosts = await lab.StatusAsync(cancellation);
        var store = lab.ObjectStore().Status();
        if (settings.Output == OutputFormat.Json)
        {
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                lab = settings.Name,
                up = hosts.Count > 0,
                hosts = hosts.Select(h => new { host = h.Host, address = h.Address, pid = h.Pid, running = h.Running, sshOk = h.SshOk, sshError = h.SshError }),
                objectStore = new { store.Endpoint, store.Address, store.Port, store.Pid, store.Running },
            });
            return hosts.All(h => h.Running && h.SshOk) ? ExitCodes.Ok : ExitCodes.Failed;
        }
        if (hosts.Count == 0)
        {
            io.Out.MarkupLine($"lab '{Markup.Escape(settings.Name)}' is not up.");
            return ExitCodes.Ok;
        }
        var table = new Table().Border(TableBorder.Rounded).AddColumns("Host", "Address", "PID", "Running", "SSH");
        foreach (var h in hosts)
            table.AddRow(h.Host, h.Address, h.Pid?.ToString() ?? "-", h.Running ? "[green]yes[/]" : "[red]no[/]",
                h.SshOk ? "[green]ok[/]" : $"[red]{Markup.Escape(h.SshError ?? "failed")}[/]");
        io.Out.Write(table);
        io.Out.MarkupLine($"S3 server (s3rver, test double) {Markup.Escape(store.Endpoint)} on {store.Address}:{store.Port}: " +
            (store.Running ? $"[green]running[/], pid {store.Pid}" : "[red]not running[/]"));
        return hosts.All(h => h.Running && h.SshOk) ? ExitCodes.Ok : ExitCodes.Failed;
    }
}

/// <summary>`datalyptica lab down`: stops the hosts by their own PIDs, removes overlays, bridge and state; keeps the image.</summary>
public sealed class LabDownCommand(CliIo io) : AsyncCommand<LabSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LabSettings settings, CancellationToken cancellation)
    {
        var lab = new LabManager(settings.Options(), line => io.Error.WriteLine(line));
        var r = await lab.DownAsync(cancellation);
        if (settings.Output == OutputFormat.Json)
        {
            Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, r.HostsStopped, r.HostsKilled, r.Unmounted, r.BridgeRemoved, r.StateRemoved });
            return ExitCodes.Ok;
        }
        io.Out.MarkupLine(r is { HostsStopped: 0, HostsKilled: 0, Unmounted: 0, BridgeRemoved: false, StateRemoved: false }
            ? $"lab '{Markup.Escape(settings.Name)}' was not up; nothing to remove."
            : $"lab '{Markup.Escape(settings.Name)}' down: {r.HostsStopped} host(s) powered off, {r.HostsKilled} killed, {r.Unmounted} overlay(s) unmounted" +
              (r.BridgeRemoved ? $", bridge {Markup.Escape(settings.Bridge)} removed" : "") + "; the cached image is kept.");
        return ExitCodes.Ok;
    }
}

/// <summary>`datalyptica lab ssh HOST`: runs ssh with the lab key and known_hosts (strict).</summary>
public sealed class LabSshCommand : AsyncCommand<LabSshSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LabSshSettings settings, CancellationToken cancellation)
    {
        var lab = new LabManager(settings.Options());
        var start = new System.Diagnostics.ProcessStartInfo("ssh") { UseShellExecute = false };
        // `lab ssh lab01 hostname` and `lab ssh lab01 -- ip -4 addr` both work: Spectre keeps what follows -- in Remaining.
        foreach (var a in lab.SshArguments(settings.Host, [.. settings.Command, .. context.Remaining.Raw])) start.ArgumentList.Add(a);
        using var process = System.Diagnostics.Process.Start(start) ?? throw new LabException("could not start ssh");
        await process.WaitForExitAsync(cancellation);
        return process.ExitCode;
    }
}

public sealed class LabHostSettings : LabSettings
{
    [CommandArgument(0, "<HOST>")]
    [Description("The lab host to stop and remove (lab04).")]
    public string Host { get; init; } = "";
}

/// <summary>`datalyptica lab add-host`: boots one more host into the running lab; the others are not touched.</summary>
public sealed class LabAddHostCommand(CliIo io) : AsyncCommand<LabSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LabSettings settings, CancellationToken cancellation)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var added = await new LabManager(settings.Options(), line => io.Error.WriteLine(line)).AddHostAsync(cancellation);
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, host = added.Name, address = added.Address, pid = added.Pid, seconds = clock.Elapsed.TotalSeconds });
        else
        {
            io.Out.MarkupLine($"{Markup.Escape(added.Name)} {Markup.Escape(added.Address)} up and answering SSH in {clock.Elapsed.TotalSeconds:0.0} s; the other hosts were not touched.");
            io.Out.MarkupLine($"next: datalyptica hosts add SITE {Markup.Escape(added.Address)} --name {Markup.Escape(added.Name)} --like HOST --group GROUP (it applies the site)");
        }
        return ExitCodes.Ok;
    }
}

/// <summary>`datalyptica lab remove-host HOST`: stops one host by its own PIDs and removes its overlay; the others keep running.</summary>
public sealed class LabRemoveHostCommand(CliIo io) : AsyncCommand<LabHostSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LabHostSettings settings, CancellationToken cancellation)
    {
        await new LabManager(settings.Options(), line => io.Error.WriteLine(line)).RemoveHostAsync(settings.Host, cancellation);
        if (settings.Output == OutputFormat.Json) Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, removed = settings.Host });
        else io.Out.MarkupLine($"{Markup.Escape(settings.Host)} stopped and removed; the other hosts were not touched.");
        return ExitCodes.Ok;
    }
}

public sealed class LabDrLinkSettings : LabSettings
{
    [CommandOption("--primary <LAB>")]
    [Description("The running lab that becomes the primary site; the lab named by --name becomes its standby. Required.")]
    public string? Primary { get; init; }

    public override ValidationResult Validate() =>
        string.IsNullOrWhiteSpace(Primary) ? ValidationResult.Error("--primary LAB is required (the lab the --name lab streams from).")
        : !LabOptions.IsLabName(Primary) ? ValidationResult.Error($"--primary '{Primary}' is not a lab name: lower-case letters, digits and '-', such as dr-a")
        : Primary == Name ? ValidationResult.Error("--primary must name another lab than --name.") : base.Validate();
}

/// <summary>`datalyptica lab dr-link --name STANDBY --primary PRIMARY`: two running labs as a DR pair (LabDrLink).</summary>
public sealed class LabDrLinkCommand(CliIo io) : AsyncCommand<LabDrLinkSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, LabDrLinkSettings settings, CancellationToken cancellation)
    {
        var standby = settings.Options();
        var primary = standby with { Name = settings.Primary! };
        await new LabDrLink(primary, standby, line => io.Error.WriteLine(line)).LinkAsync(cancellation);
        var primarySite = LabState.Load(primary.StateFile)?.Site;
        var standbySite = LabState.Load(standby.StateFile)?.Site;
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, primary = primary.Name, standby = standby.Name, primarySite, standbySite });
        else
        {
            io.Out.MarkupLine(Markup.Escape($"lab {standby.Name} is the DR standby of lab {primary.Name}: routed between their bridges only; both sites rewritten."));
            io.Out.MarkupLine(Markup.Escape($"next: datalyptica apply {primarySite} (admits the standby), then datalyptica apply {standbySite} (clones and streams), then datalyptica dr status {standbySite}"));
        }
        return ExitCodes.Ok;
    }
}
