using System.ComponentModel;
using Datalyptica.Cli.Commands;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Shipping;

public enum Shell { Bash, Zsh }

public sealed class CompletionSettings : CommandSettings
{
    [CommandArgument(0, "<SHELL>")]
    [Description("bash or zsh")]
    public Shell Shell { get; init; }
}

/// <summary>`datalyptica completion bash|zsh`: the completion script, for /usr/share/bash-completion/completions or a zsh fpath folder.</summary>
public sealed class CompletionCommand(CliIo io) : Command<CompletionSettings>
{
    public override int Execute(CommandContext context, CompletionSettings settings, CancellationToken cancellation)
    {
        io.Out.Profile.Out.Writer.Write(settings.Shell == Shell.Bash ? ShellCompletion.Bash() : ShellCompletion.Zsh());
        return ExitCodes.Ok;
    }
}

/// <summary>`datalyptica man`: the datalyptica(1) page in roff (`datalyptica man | man -l -`).</summary>
public sealed class ManCommand(CliIo io) : Command<EmptyCommandSettings>
{
    public override int Execute(CommandContext context, EmptyCommandSettings settings, CancellationToken cancellation)
    {
        io.Out.Profile.Out.Writer.Write(ManPage.Render());
        return ExitCodes.Ok;
    }
}
