using Datalyptica.Cli;
using Spectre.Console;

var console = AnsiConsole.Console;
// Piped output has no terminal width; Spectre would assume 80 columns and fold tables and messages.
if (Console.IsOutputRedirected) console.Profile.Width = 240;
return DatalypticaCli.Run(args, console, Console.Error);
