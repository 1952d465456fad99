using System.ComponentModel;
using System.Security.Cryptography;
using Datalyptica.IO;
using Datalyptica.Model;
using Datalyptica.Profiles;
using Datalyptica.Secrets;
using Datalyptica.Sites;
using Profile = Datalyptica.Profiles.Profile;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public class NewSiteSettings : OutputSettings
{
    [CommandOption("-p|--profile <PROFILE>", isRequired: true)]
    [Description("Built-in profile: development (dev), staging, production (prod) or dr.")]
    public string Profile { get; init; } = "";

    [CommandOption("--out <DIR>", isRequired: true)]
    [Description("Folder to write the site into (must be empty or absent unless --force).")]
    public string Out { get; init; } = "";

    [CommandOption("--name <NAME>")]
    [Description("Site name (default: the profile's name).")]
    public string? Name { get; init; }

    [CommandOption("--hosts <N>")]
    [Description("Grow the profile's worker pools (Kafka brokers, Spark/Flink/Trino workers) to N hosts in total.")]
    public int? Hosts { get; init; }

    [CommandOption("--vault-password-file <FILE>")]
    [Description("Vault password for the generated secrets. Else DATALYPTICA_VAULT_PASSWORD / ANSIBLE_VAULT_PASSWORD_FILE; else a new random one is written to OUT/.vault-password (mode 0600).")]
    public string? VaultPasswordFile { get; init; }

    [CommandOption("--force")]
    [Description("Write into a folder that is not empty.")]
    public bool Force { get; init; }

    // An unknown profile is a usage error, refused before anything is written.
    public override ValidationResult Validate() =>
        BuiltInProfiles.Find(Profile) is null ? ValidationResult.Error($"unknown profile '{Profile}'; use one of {string.Join(", ", BuiltInProfiles.Names)}")
        : ValidationResult.Success();

    public Profile ResolveProfile() => BuiltInProfiles.Find(Profile) ?? throw new ArgumentException(
        $"unknown profile '{Profile}'. Fix: use one of {string.Join(", ", BuiltInProfiles.Names)}.");
}

/// <summary>`datalyptica init --profile P --out DIR`: a ready site for a built-in profile.</summary>
public sealed class InitCommand(CliIo io) : Command<NewSiteSettings>
{
    public override int Execute(CommandContext context, NewSiteSettings settings, CancellationToken cancellation)
    {
        var profile = settings.ResolveProfile();
        var site = ProfileExpander.Expand(profile, settings.Name, settings.Hosts, ExistingKafkaClusterId(settings));
        return SiteCreation.Write(io, settings, site, profile);
    }

    /// <summary>A KRaft cluster id is formatted into every node once; re-running init over a site must keep it.</summary>
    private static string? ExistingKafkaClusterId(NewSiteSettings settings)
    {
        if (!settings.Force || !File.Exists(Path.Combine(settings.Out, "hosts.yml"))) return null;
        return SiteLoader.Load(settings.Out).Site?.Var(Datalyptica.Components.Kafka.KafkaSettings.ClusterId.Key)?.AsString();
    }
}

/// <summary>What init and inventory generate share: secrets, the vault password, writing and the report.</summary>
internal static class SiteCreation
{
    public static int Write(CliIo io, NewSiteSettings settings, Site site, Profile profile)
    {
        var dir = settings.Out;
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any() && !settings.Force)
            throw new IOException($"{dir} is not empty. Fix: choose an empty folder, or add --force to write into it.");
        Directory.CreateDirectory(dir);

        // Writing over a site keeps its vault password and its secrets: rotating them here would break running services.
        var source = Cli.PasswordSource(settings.VaultPasswordFile, dir);
        string? createdPasswordFile = null;
        Secret password;
        if (source.IsConfigured) password = source.Resolve();
        else
        {
            createdPasswordFile = Path.Combine(dir, SiteLoader.SiteVaultPasswordFile);
            password = new Secret(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            AtomicFile.Write(createdPasswordFile, password.Reveal() + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
            AtomicFile.Write(Path.Combine(dir, ".gitignore"), SiteLoader.SiteVaultPasswordFile + "\n");
        }
        var kept = File.Exists(Path.Combine(dir, "hosts.yml")) ? SiteWriter.ReadSecrets(dir, password) : new Dictionary<string, Secret>();
        var secrets = SiteWriter.GenerateSecrets(site)
            .ToDictionary(s => s.Key, s => kept.GetValueOrDefault(s.Key) ?? s.Value);
        SiteWriter.Write(dir, site, secrets, password, profile.Name);
        // The release files the site's versions need, from their components' manifests: plan looks for them in this store.
        var artifacts = Engine.Artifacts.SiteArtifactNeeds.For(site);
        var store = Engine.Artifacts.SiteArtifactStore.ForSite(dir);
        store.WriteManifest(artifacts);

        if (settings.Output == OutputFormat.Json)
        {
            Cli.WriteJson(io, new
            {
                formatVersion = Cli.JsonFormatVersion,
                site = site.Name,
                profile = profile.Name,
                directory = dir,
                hosts = site.Hosts.Count,
                secrets = secrets.Keys.Order(StringComparer.Ordinal),
                vaultPasswordFile = createdPasswordFile,
                artifacts = artifacts.Needed.Select(n => new { n.Release.Artifact, n.Release.Version, file = n.Release.FileName, state = ArtifactsCli.State(store.State(n.Release)) }),
            });
            return ExitCodes.Ok;
        }
        io.Out.MarkupLine($"wrote site [bold]{Markup.Escape(site.Name)}[/] ({profile.Name}, {site.Hosts.Count} hosts) to {Markup.Escape(dir)}");
        io.Out.MarkupLine($"  {secrets.Count} secrets generated and vault-encrypted in group_vars/all.yml");
        if (createdPasswordFile is not null)
            io.Out.MarkupLine($"  [yellow]new vault password in {Markup.Escape(createdPasswordFile)} (mode 0600, git-ignored): move it to your secret store[/]");
        if (artifacts.Needed.Count > 0)
            io.Out.MarkupLine($"  {artifacts.Needed.Count} release artifacts listed in {Markup.Escape(Path.Combine(Engine.Artifacts.SiteArtifactStore.FolderName, Engine.Artifacts.SiteArtifactStore.ManifestFile))}: " +
                              $"datalyptica artifacts fetch {Markup.Escape(dir)} (or artifacts import) before apply");
        io.Out.MarkupLine($"next: datalyptica validate {Markup.Escape(dir)}");
        return ExitCodes.Ok;
    }
}
