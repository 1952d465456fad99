using Datalyptica.Inventory;
using Datalyptica.Secrets;

namespace Datalyptica.Sites;

/// <summary>
/// The one setting datalyptica takes from an <c>ansible.cfg</c> next to the site: <c>vault_password_file</c> under
/// <c>[defaults]</c> (https://docs.ansible.com/ansible/latest/reference_appendices/config.html#default-vault-password-file).
/// Read as Python's configparser reads it for Ansible: <c>key = value</c> or <c>key: value</c>, keys case-insensitive,
/// whole-line comments (# and ;), no inline comments, surrounding quotes removed; a relative path is relative to the
/// file's folder and <c>~</c> is the home folder, as Ansible resolves <c>type: path</c> settings. The file is site input:
/// read through <see cref="SiteFileReader"/>, and the password file it names is never run (<see cref="VaultPasswordSource.SiteFile"/>).
/// </summary>
public static class AnsibleConfig
{
    public const string FileName = "ansible.cfg";
    public const string VaultPasswordFileKey = "vault_password_file";

    /// <summary>The password source SITE/ansible.cfg names, or null when there is no such file or key.</summary>
    public static VaultPasswordSource.Candidate? VaultPasswordFile(string siteFolder)
    {
        var file = Path.Combine(siteFolder, FileName);
        if (IO.UnixFile.LinkStatus(file) is null) return null;
        string text;
        try { text = SiteFileReader.ReadText(file, SiteFileReader.RealRoot(siteFolder)); }
        catch (InventoryException e)
        {
            var why = e.Location is null ? e.Message : e.Message[(e.Location.ToString().Length + 2)..];
            return new VaultPasswordSource.Candidate(FileName, () => throw new VaultException(
                e.Refusal == InventoryRefusal.LeavesSite ? VaultProblem.PasswordFileUnsafe : VaultProblem.PasswordUnavailable,
                $"{FileName} {why}", FileName));
        }
        if (Value(text, "defaults", VaultPasswordFileKey) is not { Length: > 0 } value) return null;
        var path = VaultPasswordSource.ExpandHome(value);
        if (!Path.IsPathRooted(path)) path = Path.Combine(siteFolder, path);
        return VaultPasswordSource.SiteFile(path, value, $"{FileName} {VaultPasswordFileKey}");
    }

    /// <summary>The value of <paramref name="key"/> in <paramref name="section"/>, the last one when it is set twice.</summary>
    public static string? Value(string text, string section, string key)
    {
        string? current = null, found = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';') continue;
            if (trimmed.StartsWith('[') && trimmed.EndsWith(']')) { current = trimmed[1..^1].Trim(); continue; }
            if (current != section || char.IsWhiteSpace(line[0])) continue; // an indented line continues the previous value
            var split = trimmed.IndexOfAny(['=', ':']);
            if (split <= 0 || !trimmed[..split].Trim().Equals(key, StringComparison.OrdinalIgnoreCase)) continue;
            var value = trimmed[(split + 1)..].Trim();
            if (value.Length >= 2 && value[0] == value[^1] && value[0] is '"' or '\'') value = value[1..^1];
            found = value;
        }
        return found;
    }
}
