using System.Text.RegularExpressions;
using Datalyptica.Validation;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;

namespace Datalyptica.Cli;

/// <summary>
/// Turns Spectre.Console.Cli's parse and validation errors into one plain line on stderr (what is wrong) and a
/// "fix:" line (a "did you mean" against the verb's real commands and options, or the usage). Strict parsing
/// (https://spectreconsole.net/cli/reference/configuration) makes unknown options errors; surplus arguments are errors
/// in every mode.
/// </summary>
internal static partial class UsageErrors
{
    /// <summary>Writes the explanation when <paramref name="ex"/> is a usage error, and says whether it was one.</summary>
    public static bool TryExplain(Exception ex, IReadOnlyList<string> args, ICommandModel? model, TextWriter error)
    {
        if (ex is UsageException usage)
        {
            Write(error, usage.Message, usage.Fix);
            return true;
        }
        if (ex is not CommandRuntimeException) return false; // CommandParseException derives from it
        var (verb, container, path) = FindVerb(args, model);
        var help = $"`datalyptica {(path.Length == 0 ? "" : path + " ")}--help`";
        var message = ex.Message;
        if (UnknownCommand().Match(message) is { Success: true } command)
        {
            var name = command.Groups[1].Value;
            var known = container?.Commands.Where(c => !c.IsHidden).Select(c => c.Name).ToList() ?? [];
            var where = path.Length == 0 ? "datalyptica" : $"datalyptica {path}";
            Write(error, $"unknown command '{name}' for `{where}`",
                DidYouMean.Suggest(name, known) is { } hint ? $"did you mean {hint}? ({help} lists the commands)" : $"use one of: {string.Join(", ", known)}");
        }
        else if (UnknownOption().Match(message) is { Success: true } option && verb is not null)
        {
            var name = Dashed(option.Groups[1].Value);
            var options = Options(verb).ToList();
            var hint = DidYouMean.Suggest(name.TrimStart('-'), options.Select(o => o.TrimStart('-')));
            var argument = Arguments(verb).FirstOrDefault(a => string.Equals(a.Value, name.TrimStart('-'), StringComparison.OrdinalIgnoreCase));
            Write(error, $"unknown option {name} for `datalyptica {path}`",
                argument is not null ? $"{argument.Value} is an argument, given without an option name: {Usage(verb, path)}"
                : hint is not null ? $"did you mean --{hint}? ({help} lists every option)"
                : $"{help} lists every option");
        }
        else if (UnexpectedOption().Match(message) is { Success: true } early)
            Write(error, $"option {Dashed(early.Groups[1].Value)} comes before a command", "name the command first: datalyptica COMMAND [OPTIONS] (`datalyptica --help` lists the commands)");
        else if (SurplusArgument().Match(message) is { Success: true } surplus && verb is not null)
        {
            var takes = Arguments(verb).ToList();
            Write(error, $"unexpected argument '{surplus.Groups[1].Value}' for `datalyptica {path}`" +
                         (takes.Count == 0 ? " (it takes no arguments)" : $" (it takes {string.Join(" ", takes.Select(Shown))})"),
                $"remove it, or quote a value that has spaces; usage: {Usage(verb, path)}");
        }
        else if (ConversionFailed().Match(message) is { Success: true } conversion && verb is not null)
        {
            // Spectre names the value, not the option: find the option it followed. A value missing at the very end
            // shows up as a conversion of Spectre's placeholder, which is not in the arguments at all.
            var value = conversion.Groups[1].Value;
            var at = Enumerable.Range(0, Math.Max(0, args.Count - 1)).FirstOrDefault(i => args[i].StartsWith('-') && args[i + 1] == value, -1);
            var given = at >= 0 ? args[at] : args.LastOrDefault(a => a.StartsWith('-')) ?? "an option";
            var valid = conversion.Groups[2].Value.Trim().TrimEnd('.');
            Write(error, at >= 0 ? $"{given} '{value}' is not a valid value" : $"{given} needs a value",
                $"{(valid.Length > 0 ? Lower(valid) + "; " : "")}{help} describes {given}");
        }
        else if (MissingRequired().Match(message) is { Success: true } missing && verb is not null)
        {
            var name = missing.Groups[1].Value;
            var asOption = verb.Parameters.OfType<ICommandOption>().FirstOrDefault(o => o.LongNames.Contains(name) || o.ShortNames.Contains(name));
            Write(error, asOption is null ? $"`datalyptica {path}` needs the argument {name}" : $"`datalyptica {path}` needs {Shown(asOption)}",
                $"usage: {Usage(verb, path)}");
        }
        else
            Write(error, Lower(message.TrimEnd('.')), verb is null ? "`datalyptica --help` lists the commands" : $"usage: {Usage(verb, path)}; {help} explains each option");
        return true;
    }

    /// <summary>The verb the arguments name (null when they name none), the command level reached, and its path ("inventory list").</summary>
    private static (ICommandInfo? Verb, ICommandContainer? Container, string Path) FindVerb(IReadOnlyList<string> args, ICommandModel? model)
    {
        if (model is null) return (null, null, "");
        ICommandContainer container = model;
        ICommandInfo? verb = null;
        var path = new List<string>();
        foreach (var arg in args)
        {
            if (container.Commands.FirstOrDefault(c => c.Name == arg) is not { } next) break;
            (verb, container) = (next, next);
            path.Add(arg);
            if (!next.IsBranch) break;
        }
        return (verb is { IsBranch: false } ? verb : null, container, string.Join(' ', path));
    }

    /// <summary>"datalyptica render [SITE] --out &lt;DIR&gt; [OPTIONS]": arguments, then the required options.</summary>
    public static string Usage(ICommandInfo verb, string path)
    {
        var parts = new List<string> { "datalyptica", path };
        parts.AddRange(Arguments(verb).Select(Shown));
        parts.AddRange(verb.Parameters.OfType<ICommandOption>().Where(o => o.IsRequired).Select(Shown));
        parts.Add("[OPTIONS]");
        return string.Join(' ', parts);
    }

    private static IEnumerable<ICommandArgument> Arguments(ICommandInfo verb) =>
        verb.Parameters.OfType<ICommandArgument>().OrderBy(a => a.Position);

    private static IEnumerable<string> Options(ICommandInfo verb) =>
        verb.Parameters.OfType<ICommandOption>().Where(o => !o.IsHidden).SelectMany(o => o.LongNames.Select(n => "--" + n)).Append("--help");

    private static string Shown(ICommandArgument a) => a.IsRequired ? $"<{a.Value}>" : $"[{a.Value}]";

    private static string Shown(ICommandOption o) => $"--{o.LongNames.FirstOrDefault() ?? o.ShortNames[0]}{(o.ValueName is null ? "" : $" <{o.ValueName}>")}";

    /// <summary>Spectre gives the token without dashes: one letter was a short option.</summary>
    private static string Dashed(string token) => token.Length == 1 ? "-" + token : "--" + token;

    private static string Lower(string message) => message.Length > 0 && char.IsUpper(message[0]) && !(message.Length > 1 && char.IsUpper(message[1]))
        ? char.ToLowerInvariant(message[0]) + message[1..] : message;

    private static void Write(TextWriter error, string what, string fix)
    {
        error.WriteLine($"error: {what}");
        error.WriteLine($"fix: {fix}");
    }

    // Spectre.Console.Cli's messages (CommandParseException, CommandRuntimeException), matched to recover the token.
    [GeneratedRegex(@"^Unknown command '(.*)'\.$")] private static partial Regex UnknownCommand();
    [GeneratedRegex(@"^Unknown option '(.*)'\.$")] private static partial Regex UnknownOption();
    [GeneratedRegex(@"^Unexpected option '(.*)'\.$")] private static partial Regex UnexpectedOption();
    [GeneratedRegex(@"^Could not match '(.*)' with an argument\.$")] private static partial Regex SurplusArgument();
    [GeneratedRegex(@"^Failed to convert '(.*)' to [^.]*\.( Valid values are .*)?$")] private static partial Regex ConversionFailed();
    [GeneratedRegex(@"missing required (?:argument|option) '(.*)'\.$")] private static partial Regex MissingRequired();
}

/// <summary>A usage error found by a verb (an option value that names nothing): exits <see cref="ExitCodes.Usage"/> with what and the fix.</summary>
internal sealed class UsageException(string message, string fix) : Exception(message)
{
    public string Fix { get; } = fix;
}
