using System.Text;
using Datalyptica.Secrets;

namespace Datalyptica.Cli.Commands;

/// <summary>
/// `--ask-vault-pass`: reads the vault password from the terminal without echo, as ansible's --ask-vault-pass does. Refused
/// when standard input is not a terminal (a pipe or a file would be read as the password without anyone typing it).
/// </summary>
internal static class VaultPrompt
{
    public static Func<Secret>? For(bool ask) => ask ? Read : null;

    public static Secret Read()
    {
        if (Console.IsInputRedirected)
            throw new VaultException(VaultProblem.PasswordUnavailable,
                "--ask-vault-pass needs a terminal on standard input, and it is a pipe or a file. Fix: run it in a terminal, or give --vault-password-file FILE.",
                "--ask-vault-pass");
        Console.Error.Write("Vault password: ");
        var typed = new StringBuilder();
        try
        {
            while (true)
            {
                var key = Console.ReadKey(intercept: true); // intercept: the key is not echoed
                if (key.Key == ConsoleKey.Enter || key.KeyChar is '\r' or '\n') break;
                if (key.KeyChar == '\u0004') // Ctrl-D
                    throw new VaultException(VaultProblem.PasswordUnavailable, "no vault password was typed (end of input).", "--ask-vault-pass");
                if (key.Key == ConsoleKey.Backspace || key.KeyChar == '\u007f') { if (typed.Length > 0) typed.Length--; continue; }
                if (!char.IsControl(key.KeyChar)) typed.Append(key.KeyChar);
            }
        }
        finally { Console.Error.WriteLine(); }
        var password = new Secret(typed.ToString());
        typed.Clear();
        return password;
    }
}
