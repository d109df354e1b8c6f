import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runTcpshift } from '../support/cli.js';

describe('tcpshift (top level)', () => {
  it('--version prints the package version and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const run = await runTcpshift(['--version']);
    expect(run).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('--help lists every verb, examples and the exit codes', async () => {
    const run = await runTcpshift(['--help']);
    expect(run.code).toBe(0);
    for (const verb of ['render', 'probe', 'shift', 'status', 'abort', 'resume', 'rollback', 'sandbox', 'demo', 'controller']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${verb} `, 'm'));
    }
    expect(run.stdout).toMatch(/Examples:\n {2}tcpshift demo/);
    expect(run.stdout).toMatch(/2 invalid input \(nothing written\)/);
  });

  it.each([[['shfit']], [['shift', '-f', 'examples/shift.yaml', '--no-such-flag']], [['--frobnicate']]])('%j is invalid input: exit 2 with a hint', async (argv) => {
    const run = await runTcpshift(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/error: (unknown command|unknown option)/);
    expect(run.stdout).toBe('');
  });
});
