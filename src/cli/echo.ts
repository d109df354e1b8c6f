import { Command } from 'commander';
import type { CliIo } from './io.js';

/** tcpshift-echo's command line (issue 3 fills in the server). */
export async function runEchoCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('tcpshift-echo').description('Versioned TCP/UDP echo server.');
  program.configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  program.exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch {
    return 0;
  }
  return 0;
}
