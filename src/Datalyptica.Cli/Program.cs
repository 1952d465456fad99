using Datalyptica.Cli;
using Spectre.Console;

return DatalypticaCli.Run(args, AnsiConsole.Console, Console.Error);
