import { Command, CommanderError } from 'commander';
import { ExitCode } from './exit-codes.js';
import { UsageError } from './errors.js';
import type { CliContext, CliIo } from './io.js';
import { verbs } from './verbs.js';
import { packageVersion } from '../util/package-root.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('tcpshift')
    .description(
      'Shift TCP traffic between two versions of a service behind an Istio / ASM ingress gateway, ' +
        'probing existing and new connections at every step and rolling back on breakage.',
    )
    .version(packageVersion(), '-V, --version', 'print the tcpshift version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  tcpshift demo                                   # sandbox + a shift end to end, no cluster needed\n' +
        '  tcpshift render -f shift.yaml --weight 20       # the routing objects at canary 20 %\n' +
        '  tcpshift shift -f shift.yaml --report-dir out   # run a shift from a pipeline\n' +
        '  tcpshift status echo -n echo                    # from another terminal\n' +
        '\nExit codes: 0 promoted/success, 1 unexpected error, 2 invalid input (nothing written),\n' +
        '            3 rolled back after a breach, 4 aborted or paused.',
    );
  for (const verb of verbs) program.addCommand(verb(ctx));
  return program;
}

/** Run the tcpshift CLI with argv (without node and script) and return the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = ExitCode.Ok;
  const ctx: CliContext = { ...io, setExitCode: (c) => { code = c; } };
  const program = buildProgram(ctx);
  configureRecursively(program, io);
  try {
    await program.parseAsync(helpOfSubcommand(argv), { from: 'user' });
    return code;
  } catch (err) {
    return reportError(err, io);
  }
}

/** commander's `help` looks one level deep (`help sandbox up` showed sandbox's help): `help A B` is `A B --help`. */
function helpOfSubcommand(argv: readonly string[]): string[] {
  return argv[0] === 'help' && argv.length > 2 ? [...argv.slice(1), '--help'] : [...argv];
}

function configureRecursively(cmd: Command, io: CliIo): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
  });
  for (const sub of cmd.commands) configureRecursively(sub, io);
}

/** Map an error to its exit code, printing it once, here at the boundary. */
export function reportError(err: unknown, io: Pick<CliIo, 'stderr'>): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return ExitCode.Ok;
    }
    return ExitCode.Invalid; // commander already printed its message
  }
  if (err instanceof UsageError) {
    io.stderr.write(`error: ${err.message}\n`);
    return ExitCode.Invalid;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(`error: ${message}\n`);
  return ExitCode.Error;
}
