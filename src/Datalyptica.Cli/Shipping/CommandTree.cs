using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;

namespace Datalyptica.Cli.Shipping;

/// <summary>One visible verb or branch of the command tree, as the man page and the shell completion need it.</summary>
internal sealed record CommandNode(string Path, string? Description, bool IsBranch, IReadOnlyList<string> Children,
    IReadOnlyList<ICommandArgument> Arguments, IReadOnlyList<ICommandOption> Options);

/// <summary>The command tree Spectre built, flattened, hidden verbs and options left out: one source for man and completion.</summary>
internal static class CommandTree
{
    public static IReadOnlyList<CommandNode> Nodes()
    {
        var nodes = new List<CommandNode>();
        void Walk(ICommandContainer container, string prefix)
        {
            foreach (var c in container.Commands.Where(c => !c.IsHidden))
            {
                var path = prefix + c.Name;
                nodes.Add(new CommandNode(path, c.Description, c.IsBranch, c.Commands.Where(x => !x.IsHidden).Select(x => x.Name).ToList(),
                    c.Parameters.OfType<ICommandArgument>().OrderBy(a => a.Position).ToList(),
                    c.Parameters.OfType<ICommandOption>().Where(o => !o.IsHidden).ToList()));
                if (c.IsBranch) Walk(c, path + " ");
            }
        }
        Walk(DatalypticaCli.CommandModel(), "");
        return nodes;
    }

    /// <summary>"--limit", or "-o|--output" when it has a short name too.</summary>
    public static IEnumerable<string> Names(ICommandOption option) =>
        option.ShortNames.Select(n => "-" + n).Concat(option.LongNames.Select(n => "--" + n));
}
