// The install surface: `tcpshift completion` scripts that parse and complete, the package's bins
// (kubectl-tcpshift among them), and `kubectl tcpshift` through kubectl's own plugin mechanism.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialState } from '../../src/shift/index.js';
import { bin, repoRoot, runTcpshift } from '../support/cli.js';
import { findProgram } from '../support/require-program.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(os.tmpdir(), 'tcpshift-completion-'));

describe('tcpshift completion', () => {
  it('bash: parses (bash -n) and completes verbs, flags and shift names', async () => {
    const script = (await runTcpshift(['completion', 'bash'])).stdout;
    const file = path.join(dir, 'tcpshift.bash');
    writeFileSync(file, script);
    await run('bash', ['-n', file]);
    // `tcpshift list -o name` stands in for the cluster here: a shell function named tcpshift
    const complete = async (...words: string[]): Promise<string> =>
      (await run('bash', ['-c', `tcpshift() { echo "ns=$5"; echo demo; echo other; }; source ${file}; COMP_WORDS=(tcpshift ${words.join(' ')}); COMP_CWORD=${words.length}; _tcpshift; echo "\${COMPREPLY[*]}"`])).stdout.trim();
    expect((await complete('pro')).split(' ')).toEqual(['probe', 'promote']);
    expect(await complete('promote', '--fu')).toBe('--full');
    expect((await complete('status', '-n', 'shop', '')).split(' ')).toEqual(['ns=shop', 'demo', 'other']);
    expect((await complete('sandbox', 'u')).split(' ')).toEqual(['up']);
  });

  it('zsh parses as a shell script; fish names every verb; an unknown shell is exit 2', async () => {
    const zsh = (await runTcpshift(['completion', 'zsh'])).stdout;
    writeFileSync(path.join(dir, 'tcpshift.zsh'), zsh);
    await run('bash', ['-n', path.join(dir, 'tcpshift.zsh')]);
    expect(zsh).toContain('bashcompinit');
    const fish = (await runTcpshift(['completion', 'fish'])).stdout;
    for (const verb of ['list', 'status', 'promote', 'pause', 'resume', 'retry', 'abort', 'rollback']) expect(fish).toContain(`__fish_seen_subcommand_from ${verb}"`);
    expect(fish).toContain('-a "(tcpshift list -o name 2>/dev/null)"');
    expect((await runTcpshift(['completion', 'tcsh'])).code).toBe(2);
  });
});

describe('install: the package bins and the kubectl plugin', () => {
  const kubectl = findProgram('kubectl');
  let api: ShiftApi;
  beforeAll(async () => {
    api = await startShiftApi();
    api.placeShift({ state: { ...initialState(Date.now() - 5000), phase: 'paused', pausedFrom: 'baking', stepIndex: 0 }, weights: [80, 20] });
  });
  afterAll(async () => api.close());

  it('package.json installs tcpshift, tcpshift-echo and kubectl-tcpshift', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin).toEqual({ tcpshift: 'dist/cmd/tcpshift.js', 'tcpshift-echo': 'dist/cmd/tcpshift-echo.js', 'kubectl-tcpshift': 'dist/cmd/tcpshift.js' });
    expect(readFileSync(bin('tcpshift'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
  });

  it.skipIf(!kubectl)('kubectl tcpshift status goes through kubectl plugin discovery on PATH', async () => {
    // what `npm install -g .` puts on PATH: kubectl-tcpshift running the built CLI
    const plugins = mkdtempSync(path.join(os.tmpdir(), 'tcpshift-plugin-'));
    writeFileSync(path.join(plugins, 'kubectl-tcpshift'), `#!/bin/sh\nexec "${process.execPath}" "${bin('tcpshift')}" "$@"\n`, { mode: 0o755 });
    const env = { ...process.env, PATH: `${plugins}${path.delimiter}${process.env.PATH ?? ''}` };
    const status = await run(kubectl as string, ['tcpshift', 'status', 'demo', '-n', 'echo', '--kubeconfig', api.kubeconfigPath], { env });
    expect(status.stdout).toMatch(/phase: +Paused, step 1\/3 \(canary 20%\)/);
    const plugin = await run(kubectl as string, ['plugin', 'list'], { env }).catch((e: { stdout: string }) => e);
    expect(plugin.stdout).toContain(path.join(plugins, 'kubectl-tcpshift'));
  });
});
