using System.Runtime.CompilerServices;
using Datalyptica.Cli;
using Datalyptica.Cli.Daemon;
using Spectre.Console;

// verify and plan go to the warm daemon when one can run (see DaemonClient); everything else runs here.
return DaemonClient.TryRun(args, out var exitCode) ? exitCode : RunHere(args);

// Kept out of the daemon path, so a daemon run never loads Spectre or the site code into this process.
[MethodImpl(MethodImplOptions.NoInlining)]
static int RunHere(string[] args)
{
    var console = AnsiConsole.Console;
    // Piped output has no terminal width; Spectre would assume 80 columns and fold tables and messages.
    if (Console.IsOutputRedirected) console.Profile.Width = 240;
    return DatalypticaCli.Run(args, console, Console.Error);
}
