using Datalyptica.Contracts.Formats;
using Datalyptica.Contracts.Rendering;
using Datalyptica.IO;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Spectre.Console;

namespace Datalyptica.Cli.Commands;

/// <summary>
/// `snapshot --install-timer`: a systemd timer on the control node that runs this same snapshot on a schedule, as the
/// user who installs it. The vault password must come from a file the unattended run can read (no terminal, no
/// environment of this shell).
/// </summary>
internal static class SnapshotTimer
{
    public static string UnitName(string site) => $"datalyptica-snapshot-{site}";

    public static int Install(CliIo io, SnapshotSettings settings, SiteSession session, string repository)
    {
        if (PasswordArguments(settings, session) is not { } password)
        {
            io.Error.WriteLine($"error: the timer runs without a terminal or this shell's environment, and the vault password comes from {session.VaultPasswordOrigin ?? "nowhere"}. " +
                "Fix: pass --vault-password-file FILE (mode 0600), or keep it in SITE/.vault-password, then install the timer again.");
            return ExitCodes.Failed;
        }
        List<string> command = [.. Program(), "snapshot", Path.GetFullPath(session.Path), "--into", repository, .. password];
        if (settings.KnownHosts is { } knownHosts) command.AddRange(["--known-hosts", Path.GetFullPath(knownHosts)]);
        if (settings.PrivateKey is { } key) command.AddRange(["--private-key", Path.GetFullPath(key)]);
        if (settings.Limit is { } limit) command.AddRange(["--limit", limit]);
        if (settings.Message is { } message) command.AddRange(["--message", message]);
        if (settings.Parallel != 32) command.AddRange(["--parallel", settings.Parallel.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        var name = UnitName(session.Site.Name);
        var service = new SystemdUnit($"datalyptica snapshot of site {session.Site.Name}", SystemdUnit.CommandLine(command), Environment.UserName)
        {
            Type = "oneshot", Restart = "no", WantedBy = null, TimeoutStartSec = "1h", StartLimitIntervalSec = 0,
        };
        var timer = new SystemdTimer($"datalyptica snapshot of site {session.Site.Name}, {settings.OnCalendar}", settings.OnCalendar, $"{name}.service");
        Directory.CreateDirectory(settings.UnitDir);
        AtomicFile.Write(Path.Combine(settings.UnitDir, $"{name}.service"), service.Render(), Modes.Public);
        AtomicFile.Write(Path.Combine(settings.UnitDir, $"{name}.timer"), timer.Render(), Modes.Public);
        io.Out.MarkupLine($"wrote {Markup.Escape(Path.Combine(settings.UnitDir, name))}.service and .timer ({Markup.Escape(settings.OnCalendar)})");

        // sd_booted(3): systemd is PID 1 exactly when this folder exists.
        if (!Directory.Exists("/run/systemd/system"))
        {
            io.Out.MarkupLine($"systemd is not running on this machine: start the timer where it is, with systemctl daemon-reload && systemctl enable --now {Markup.Escape(name)}.timer");
            return ExitCodes.Ok;
        }
        foreach (var step in new[] { new[] { "daemon-reload" }, ["enable", "--now", $"{name}.timer"] })
        {
            var result = Engine.Repository.ToolProcess.RunAsync("systemctl", step, TimeSpan.FromMinutes(1), CancellationToken.None).GetAwaiter().GetResult();
            if (!result.Succeeded)
            {
                io.Error.WriteLine($"error: systemctl {string.Join(' ', step)} failed: {result.Stderr.Trim()}");
                return ExitCodes.Failed;
            }
        }
        io.Out.MarkupLine($"[green]enabled[/] {Markup.Escape(name)}.timer (systemctl list-timers {Markup.Escape(name)}.timer)");
        return ExitCodes.Ok;
    }

    /// <summary>The vault password options the unattended run needs; null when its password would come from a terminal or this shell.</summary>
    private static IReadOnlyList<string>? PasswordArguments(SnapshotSettings settings, SiteSession session)
    {
        if (settings.AskVaultPass) return null;
        if (settings.VaultPasswordFile is { } file) return ["--vault-password-file", Path.GetFullPath(file)];
        var origin = session.VaultPasswordOrigin ?? "";
        if (origin.StartsWith(VaultPasswordSource.PasswordEnvironmentVariable, StringComparison.Ordinal)) return null;
        if (origin.StartsWith(VaultPasswordSource.PasswordFileEnvironmentVariable + "=", StringComparison.Ordinal))
            return ["--vault-password-file", Path.GetFullPath(origin[(VaultPasswordSource.PasswordFileEnvironmentVariable.Length + 1)..])];
        // The site's own .vault-password or ansible.cfg's file: the run finds it again itself. No password: a site without vaulted values.
        return [];
    }

    /// <summary>This program as a command line: the apphost, or `dotnet` and the CLI's assembly.</summary>
    private static IReadOnlyList<string> Program()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program is running");
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, Path.Combine(AppContext.BaseDirectory, "datalyptica.dll")] : [process];
    }
}
