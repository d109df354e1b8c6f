/**
 * `tcpshift completion bash|zsh|fish`: a completion script generated from the commands themselves
 * (verbs, subcommands, long flags), completing shift names from the cluster with
 * `tcpshift list -o name` (the current namespace, or the one given with -n) for the verbs that
 * take one. zsh reuses the bash script through bashcompinit.
 */
import { Argument, Command } from 'commander';
import type { CliContext } from './io.js';

const EXAMPLES = `
Examples:
  source <(tcpshift completion bash)                  # bash, this shell
  tcpshift completion bash > /etc/bash_completion.d/tcpshift
  source <(tcpshift completion zsh)                   # zsh
  tcpshift completion fish > ~/.config/fish/completions/tcpshift.fish

Completes verbs, their flags, and shift names from the cluster (tcpshift list -o name) for the
verbs that take a NAME. Exit codes: 0 printed, 2 unknown shell.`;

interface Verb {
  name: string;
  flags: string[];
  takesName: boolean;
  subcommands: string[];
}

function verbsOf(program: Command): Verb[] {
  return program.commands
    .filter((c) => c.name() !== 'completion' && c.name() !== 'help')
    .map((c) => ({
      name: c.name(),
      flags: c.options.flatMap((o) => (o.long ? [o.long] : [])).concat('--help'),
      takesName: c.registeredArguments.some((a) => a.name() === 'name'),
      subcommands: c.commands.map((s) => s.name()),
    }));
}

const NAMES = 'tcpshift list -o name ${ns:+-n "$ns"} 2>/dev/null';

function bash(verbs: Verb[]): string {
  const cases = verbs.map((v) => `    ${v.name}) opts="${[...v.subcommands, ...v.flags].join(' ')}"; names=${v.takesName ? 1 : 0} ;;`).join('\n');
  return `# tcpshift completion for bash: source <(tcpshift completion bash)
_tcpshift() {
  local cur=\${COMP_WORDS[COMP_CWORD]} verb=\${COMP_WORDS[1]} opts="" names=0 ns="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ \${COMP_WORDS[i]} == -n || \${COMP_WORDS[i]} == --namespace ]]; then ns=\${COMP_WORDS[i+1]}; fi
  done
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "${verbs.map((v) => v.name).join(' ')} completion help" -- "$cur"))
    return
  fi
  case $verb in
${cases}
  esac
  if [[ $cur == -* || $names -eq 0 ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(${NAMES})" -- "$cur"))
  fi
}
complete -F _tcpshift tcpshift
complete -F _tcpshift kubectl-tcpshift
`;
}

function zsh(verbs: Verb[]): string {
  return `# tcpshift completion for zsh: source <(tcpshift completion zsh)
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bash(verbs).split('\n').slice(1).join('\n')}`;
}

function fish(verbs: Verb[]): string {
  const lines = [
    '# tcpshift completion for fish: tcpshift completion fish > ~/.config/fish/completions/tcpshift.fish',
    'complete -c tcpshift -f',
    `complete -c tcpshift -n __fish_use_subcommand -a "${verbs.map((v) => v.name).join(' ')} completion help"`,
  ];
  for (const v of verbs) {
    const when = `-n "__fish_seen_subcommand_from ${v.name}"`;
    if (v.subcommands.length > 0) lines.push(`complete -c tcpshift ${when} -a "${v.subcommands.join(' ')}"`);
    for (const flag of v.flags) lines.push(`complete -c tcpshift ${when} -l ${flag.slice(2)}`);
    if (v.takesName) lines.push(`complete -c tcpshift ${when} -a "(tcpshift list -o name 2>/dev/null)"`);
  }
  return `${lines.join('\n')}\n`;
}

const SCRIPTS = { bash, zsh, fish } as const;

export function completionVerb(ctx: CliContext): Command {
  return new Command('completion')
    .description('Print a shell completion script (verbs, flags, shift names from the cluster).')
    .addArgument(new Argument('<shell>', 'the shell').choices(Object.keys(SCRIPTS)))
    .addHelpText('after', EXAMPLES)
    .action((shell: keyof typeof SCRIPTS, _flags: unknown, self: Command) => {
      ctx.stdout.write(SCRIPTS[shell](verbsOf(self.parent as Command)));
    });
}
