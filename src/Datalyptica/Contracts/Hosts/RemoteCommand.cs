using System.Text;
using Datalyptica.Secrets;

namespace Datalyptica.Contracts.Hosts;

/// <summary>
/// A shell command built from parts (pyinfra's idea): literal shell text, quoted arguments and secrets.
/// <see cref="Raw"/> is what runs; <see cref="Display"/> is what people, logs, plans and journals see, with
/// every secret part shown as ***. Tests pin both forms.
/// </summary>
public sealed class RemoteCommand
{
    private readonly List<(string Text, bool IsSecret)> _parts = [];
    private readonly List<Secret> _secrets = [];

    private RemoteCommand() { }

    /// <summary>Shell text written by us (never user data): pipes, redirections, keywords.</summary>
    public static RemoteCommand Shell(string text) => new RemoteCommand().Then(text);

    /// <summary>Appends shell text as is.</summary>
    public RemoteCommand Then(string text)
    {
        _parts.Add((text, false));
        return this;
    }

    /// <summary>Appends one argument, single-quoted for POSIX sh.</summary>
    public RemoteCommand Arg(string value)
    {
        _parts.Add((" " + Quote(value), false));
        return this;
    }

    /// <summary>Appends a secret as one quoted argument; it shows as *** in <see cref="Display"/>.</summary>
    public RemoteCommand Secret(Secret value)
    {
        _parts.Add((" " + Quote(value.Reveal()), true));
        _secrets.Add(value);
        return this;
    }

    public bool HasSecrets => _parts.Any(p => p.IsSecret);

    public string Raw => string.Concat(_parts.Select(p => p.Text));

    public string Display => string.Concat(_parts.Select(p => p.IsSecret ? " ***" : p.Text));

    public override string ToString() => Display;

    /// <summary>
    /// Masks this command's secrets in text that came back from running it (stderr echoing an argument,
    /// a library message quoting the command line), so errors can show it safely.
    /// </summary>
    public string MaskSecrets(string? text)
    {
        if (string.IsNullOrEmpty(text) || _secrets.Count == 0) return text ?? string.Empty;
        var masker = new SecretMasker(_secrets);
        foreach (var part in _parts.Where(p => p.IsSecret)) masker.Add(new Secret(part.Text.TrimStart()));
        return masker.Mask(text);
    }

    public static string Quote(string value)
    {
        if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c))) return value;
        var sb = new StringBuilder("'");
        foreach (var c in value) sb.Append(c == '\'' ? "'\\''" : c.ToString());
        return sb.Append('\'').ToString();
    }
}

/// <summary>What a command returned. Output is kept as text; callers mask secrets before showing it.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;
}
