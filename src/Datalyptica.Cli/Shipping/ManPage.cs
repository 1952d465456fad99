using System.Text;

namespace Datalyptica.Cli.Shipping;

/// <summary>
/// datalyptica(1) in roff (man(7) macros), generated from the command tree, the exit-code table and the environment
/// variables the CLI reads, so the page cannot drift from the CLI. `man -l` and groff render it.
/// </summary>
internal static class ManPage
{
    public static readonly IReadOnlyList<(string Name, string Meaning)> Environment =
    [
        ("DATALYPTICA_VAULT_PASSWORD", "The site's vault password, instead of --vault-password-file or --ask-vault-pass."),
        ("DATALYPTICA_TRACE", "1: trace each run's steps with their times on stderr, as -v does."),
        (Daemon.DaemonEndpoint.SwitchVariable, "off: run verify and plan in the calling process, without the per-user daemon."),
    ];

    public static string Render()
    {
        var sb = new StringBuilder();
        sb.Append($".TH DATALYPTICA 1 \"\" \"datalyptica {Text(Commands.BuildInfo.Version)}\" \"User Commands\"\n");
        sb.Append(".SH NAME\ndatalyptica \\- deploy and run a highly available data platform on plain Linux hosts\n");
        sb.Append(".SH SYNOPSIS\n.B datalyptica\n.I COMMAND\n[\\fIARGUMENTS\\fR] [\\fIOPTIONS\\fR]\n");
        sb.Append(".SH DESCRIPTION\n").Append(Text(
            "datalyptica reads a site (an Ansible-style inventory folder with group_vars and a vault), validates it, plans " +
            "and applies the platform layer by layer over SSH, verifies it, and runs day-2 work: restarts, upgrades, hosts, " +
            "backups, snapshots, disaster recovery and failover drills. Verbs that change hosts ask first; see --auto-approve " +
            "and --yes.")).Append('\n');
        sb.Append(".SH COMMANDS\n");
        foreach (var node in CommandTree.Nodes().Where(n => !n.IsBranch))
        {
            var usage = string.Join(' ', node.Arguments.Select(a => a.IsRequired ? $"<{a.Value}>" : $"[{a.Value}]").Prepend("datalyptica " + node.Path));
            sb.Append($".SS \"{Text(usage)}\"\n").Append(Text(node.Description ?? "")).Append('\n');
            foreach (var argument in node.Arguments.Where(a => !string.IsNullOrEmpty(a.Description)))
                sb.Append(".TP\n.I ").Append(Text(argument.Value)).Append('\n').Append(Text(argument.Description!)).Append('\n');
            foreach (var option in node.Options)
            {
                sb.Append(".TP\n.B ").Append(Text(string.Join(", ", CommandTree.Names(option))));
                if (option.ValueName is { } value) sb.Append(" \\fI").Append(Text(value)).Append("\\fR");
                sb.Append('\n').Append(Text(option.Description ?? "")).Append('\n');
            }
        }
        sb.Append(".SH EXIT STATUS\n");
        foreach (var e in ExitCodes.Table) sb.Append($".TP\n.B {e.Code}\n").Append(Text($"{e.Name}: {e.Meaning}")).Append('\n');
        sb.Append(".SH ENVIRONMENT\n");
        foreach (var (name, meaning) in Environment) sb.Append(".TP\n.B ").Append(Text(name)).Append('\n').Append(Text(meaning)).Append('\n');
        sb.Append(".SH SEE ALSO\n.BR ssh (1),\n.BR ansible-inventory (1)\n");
        return sb.ToString();
    }

    /// <summary>
    /// Text safe in a roff line (the one quoting helper for this format): backslashes escaped, hyphens as \-, a leading
    /// '.' or '\'' guarded by \&amp; so it is never read as a request, and newlines folded to spaces.
    /// </summary>
    internal static string Text(string text)
    {
        var escaped = text.Replace("\\", "\\e").Replace("-", "\\-").Replace("\"", "\\(dq").Replace('\n', ' ');
        return escaped.StartsWith('.') || escaped.StartsWith('\'') ? "\\&" + escaped : escaped;
    }
}
