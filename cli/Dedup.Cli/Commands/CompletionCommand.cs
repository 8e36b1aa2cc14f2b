using System.CommandLine;

namespace Dedup.Cli.Commands;

/// <summary>dedup completion bash|zsh|fish: a script for the shell that asks dedup itself what may come next
/// (System.CommandLine's [suggest] directive), so completion always matches the installed version's commands.</summary>
public static class CompletionCommand
{
    public static Command Create()
    {
        var shell = new Argument<string>("SHELL") { Description = "bash, zsh or fish" };
        shell.AcceptOnlyFromAmong("bash", "zsh", "fish");
        var command = new Command("completion", "Print a shell completion script, e.g. dedup completion bash > /etc/bash_completion.d/dedup (zsh: into a directory of $fpath as _dedup; fish: ~/.config/fish/completions/dedup.fish)") { shell };
        command.SetAction(parse =>
        {
            Console.Out.Write(parse.GetValue(shell) switch
            {
                "bash" => Bash,
                "zsh" => Zsh,
                _ => Fish,
            });
            return ExitCodes.Success;
        });
        return command;
    }

    private const string Bash = """
        # bash completion for dedup
        _dedup() {
            local IFS=$'\n'
            local candidates
            candidates=$(dedup "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)
            COMPREPLY=( $(compgen -W "${candidates}" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -o bashdefault -F _dedup dedup

        """;

    private const string Zsh = """
        #compdef dedup
        # zsh completion for dedup
        _dedup() {
            local -a candidates
            candidates=("${(@f)$(dedup "[suggest:${#BUFFER}]" "${BUFFER}" 2>/dev/null)}")
            _describe 'dedup' candidates
        }
        compdef _dedup dedup

        """;

    private const string Fish = """
        # fish completion for dedup
        function __dedup_complete
            set -l line (commandline -cp)
            dedup "[suggest:"(string length -- "$line")"]" "$line" 2>/dev/null
        end
        complete -c dedup -f -a '(__dedup_complete)'

        """;
}
