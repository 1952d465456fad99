using System.ComponentModel;
using Datalyptica.IO;
using Datalyptica.Secrets;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Datalyptica.Cli.Commands;

public sealed class SecretsEncryptSettings : CommandSettings
{
    [CommandArgument(0, "[FILE]")]
    [Description("File to encrypt in place (ansible-vault encrypt). Omit with --name.")]
    public string? File { get; init; }

    [CommandOption("--name <VAR>")]
    [Description("Encrypt one value read from standard input and print it as 'VAR: !vault |' YAML (ansible-vault encrypt_string). The value is never taken from the command line, where ps and shell history would keep it.")]
    public string? Name { get; init; }

    [CommandOption("--vault-password-file <FILE>")]
    [Description("File with the vault password (e.g. SITE/.vault-password), or a script printing it. Else DATALYPTICA_VAULT_PASSWORD or ANSIBLE_VAULT_PASSWORD_FILE.")]
    public string? VaultPasswordFile { get; init; }

    [CommandOption("--vault-id <ID>")]
    [Description("Label the ciphertext with a vault id (format 1.2).")]
    public string? VaultId { get; init; }

    public override Spectre.Console.ValidationResult Validate() =>
        (File is null) == (Name is null)
            ? Spectre.Console.ValidationResult.Error("give either FILE or --name VAR (not both)")
            : Spectre.Console.ValidationResult.Success();
}

/// <summary>`datalyptica secrets encrypt`: writes Ansible Vault 1.1/1.2 that ansible-vault reads, and reads what it writes.</summary>
public sealed class SecretsEncryptCommand(CliIo io) : Command<SecretsEncryptSettings>
{
    public override int Execute(CommandContext context, SecretsEncryptSettings settings, CancellationToken cancellation)
    {
        var password = PasswordSource(settings).Resolve(settings.File ?? "the value to encrypt");
        if (settings.Name is { } name)
        {
            var value = Console.In.ReadToEnd().TrimEnd('\r', '\n');
            if (value.Length == 0)
                throw new ArgumentException("no value on standard input. Fix: pipe the value in, e.g. `datalyptica secrets encrypt --name vault_x < value.txt`.");
            io.Out.Profile.Out.Writer.Write(AnsibleVault.EncryptString(name, new Secret(value), password, settings.VaultId));
            return ExitCodes.Ok;
        }
        var file = settings.File!;
        var text = System.IO.File.ReadAllText(file);
        if (AnsibleVault.IsVaultText(text))
            throw new ArgumentException($"{file} is already vault-encrypted. Fix: nothing to do, or decrypt it first with ansible-vault.");
        AtomicFile.Write(file, AnsibleVault.Encrypt(text, password, settings.VaultId));
        io.Out.MarkupLine($"encrypted {Spectre.Console.Markup.Escape(file)}");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// The user's sources only (the option, DATALYPTICA_VAULT_PASSWORD, ANSIBLE_VAULT_PASSWORD_FILE). No .vault-password is
    /// looked for in the file's folder or above: a parent folder up to / (say /tmp/.vault-password) is anyone's (issue 13).
    /// </summary>
    private static VaultPasswordSource PasswordSource(SecretsEncryptSettings settings) => new(settings.VaultPasswordFile);
}
