using System.Text;

namespace Datalyptica.Cli.Shipping;

/// <summary>
/// Bash and zsh completion for every verb, its sub-verbs and options, generated from the command tree (so it cannot
/// drift from the CLI). Options that take a value complete file names, -o/--output its two formats, and a verb's SITE
/// argument directories. zsh runs the same function through its bashcompinit layer.
/// </summary>
internal static class ShellCompletion
{
    public static string Bash()
    {
        var nodes = CommandTree.Nodes();
        var sb = new StringBuilder();
        sb.Append($"# bash completion for datalyptica {Commands.BuildInfo.Version} (generated: datalyptica completion bash)\n");
        sb.Append("_datalyptica_words() {\n  case \"$1\" in\n");
        sb.Append($"    \"\") echo {Quote(string.Join(' ', nodes.Where(n => !n.Path.Contains(' ')).Select(n => n.Path).Append("--help").Append("--version")))} ;;\n");
        foreach (var node in nodes)
        {
            var words = node.IsBranch ? node.Children.Append("--help") : node.Options.SelectMany(CommandTree.Names).Append("--help");
            sb.Append($"    {Quote(node.Path)}) echo {Quote(string.Join(' ', words))} ;;\n");
        }
        sb.Append("  esac\n}\n");
        var valued = nodes.SelectMany(n => n.Options).Where(o => o.ValueName is not null).SelectMany(CommandTree.Names).Distinct().Order(StringComparer.Ordinal);
        sb.Append($"_datalyptica_branches={Quote(" " + string.Join(' ', nodes.Where(n => n.IsBranch).Select(n => n.Path.Replace(' ', ':'))) + " ")}\n");
        sb.Append($"_datalyptica_valued={Quote(" " + string.Join(' ', valued) + " ")}\n");
        sb.Append("""
            _datalyptica() {
              local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} path="" i word
              # The verb path: leading words that name a sub-verb of the path so far ("inventory list").
              for ((i = 1; i < COMP_CWORD; i++)); do
                word=${COMP_WORDS[i]}
                [[ $word == -* ]] && break
                if [[ " $(_datalyptica_words "$path") " == *" $word "* ]]; then path=${path:+$path }$word; else break; fi
              done
              if [[ $prev == -o || $prev == --output ]]; then COMPREPLY=($(compgen -W "human json" -- "$cur")); return; fi
              if [[ $_datalyptica_valued == *" $prev "* ]]; then COMPREPLY=($(compgen -f -- "$cur")); return; fi
              local words; words=$(_datalyptica_words "$path")
              if [[ $cur == -* || -z $path || $_datalyptica_branches == *" ${path// /:} "* ]]; then COMPREPLY=($(compgen -W "$words" -- "$cur")); return; fi
              # A verb's own arguments: SITE and the like are folders.
              COMPREPLY=($(compgen -d -- "$cur"))
            }
            complete -o filenames -F _datalyptica datalyptica

            """);
        return sb.ToString();
    }

    /// <summary>The bash function through zsh's bashcompinit (installed as _datalyptica in a zsh completion folder).</summary>
    public static string Zsh() =>
        "#compdef datalyptica\n# zsh completion for datalyptica (generated: datalyptica completion zsh): the bash completion through bashcompinit.\n" +
        "autoload -U +X bashcompinit && bashcompinit\n" + Bash();

    /// <summary>A bash single-quoted word (the one quoting helper for this format).</summary>
    private static string Quote(string text) => "'" + text.Replace("'", "'\\''") + "'";
}
