using System.Reflection;
using System.Runtime.InteropServices;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

/// <summary>Which build this is: the version, the git commit it was built from, the architecture and the .NET runtime.</summary>
public static class BuildInfo
{
    private static readonly string Informational = typeof(BuildInfo).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>The version without the commit: "0.9.0".</summary>
    public static string Version => Informational.Split('+')[0];

    /// <summary>The full commit the SDK's Source Link recorded ("+SHA" in the informational version), or "unknown".</summary>
    public static string Commit => Informational.Split('+') is [_, var sha, ..] ? sha : "unknown";

    public static string Architecture => RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();

    /// <summary>"datalyptica 0.9.0 (commit 1a2b3c4d5e6f, linux-x64, .NET 10.0.12)".</summary>
    public static string Line =>
        $"datalyptica {Version} (commit {(Commit.Length > 12 ? Commit[..12] : Commit)}, linux-{Architecture}, .NET {Environment.Version})";
}

/// <summary>`datalyptica version` and `datalyptica --version`.</summary>
public sealed class VersionCommand(CliIo io) : Command<OutputSettings>
{
    public override int Execute(CommandContext context, OutputSettings settings, CancellationToken cancellation)
    {
        if (settings.Output == OutputFormat.Json)
            Cli.WriteJson(io, new { formatVersion = Cli.JsonFormatVersion, version = BuildInfo.Version, commit = BuildInfo.Commit,
                architecture = BuildInfo.Architecture, dotnet = Environment.Version.ToString() });
        else io.Out.Profile.Out.Writer.WriteLine(BuildInfo.Line);
        return ExitCodes.Ok;
    }
}

/// <summary>-v/--verbose on any verb turns the trace on before the verb runs.</summary>
internal sealed class VerboseInterceptor : ICommandInterceptor
{
    public void Intercept(CommandContext context, CommandSettings settings)
    {
        if (settings is not OutputSettings { Verbose: true }) return;
        Engine.EngineTrace.Enable();
        Engine.EngineTrace.Mark($"{context.Name} started ({BuildInfo.Line})");
    }
}
