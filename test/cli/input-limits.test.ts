import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execBin, repoRoot, runTcpshift, type CliRun } from '../support/cli.js';

// Hostile inputs to -f: each is exit 2 naming the file, nothing on stdout, in bounded time and
// memory (before the cap, `render -f /dev/zero` grew past 2 GB). `render -f /dev/zero` and the
// FIFO run as real processes (the process ends, its memory stays bounded); the other inputs go
// through the same CLI entry in this process (runCli), which saves a Node start each.
const dir = mkdtempSync(path.join(tmpdir(), 'tcpshift-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const good = path.join(repoRoot, 'examples', 'shift.yaml');

function file(name: string, text: string | Buffer): string {
  const where = path.join(dir, name);
  writeFileSync(where, text);
  return where;
}

/** A billion-laughs document: 9 levels of 9 aliases expand to 9^9 strings. */
function aliasBomb(): string {
  const levels = ['a: &l0 [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i += 1) levels.push(`l${i}: &l${i} [${Array<string>(9).fill(`*l${i - 1}`).join(', ')}]`);
  return `${levels.join('\n')}\n`;
}

const renderArgs = (fileArg: string): string[] => ['render', '-f', fileArg, '--weight', '20'];

/** `tcpshift render -f FILE` as a real process. */
async function renderProcess(fileArg: string): Promise<CliRun> {
  return execBin('tcpshift', renderArgs(fileArg), { timeoutMs: 60_000 });
}

/** `tcpshift render -f FILE` in this process; `input` is what `-f -` reads. */
async function render(fileArg: string, input?: string): Promise<CliRun> {
  return runTcpshift(renderArgs(fileArg), { input });
}

function expectRefused(run: CliRun, message: RegExp): void {
  expect(run.stderr).toMatch(message);
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
}

describe('-f reads bounded input that ends', () => {
  it('a device that never ends: exit 2 naming it, as a real process', async () => {
    expectRefused(await renderProcess('/dev/zero'), /-f \/dev\/zero: is not a regular file or a pipe/);
  });

  it.each([
    ['a directory', () => dir, /is not a regular file or a pipe/],
    ['a file over 256 KiB', () => file('big.yaml', `# ${'x'.repeat(300 * 1024)}\n`), /big\.yaml: larger than 256 KiB/],
    ['a YAML alias bomb', () => file('bomb.yaml', aliasBomb()), /bomb\.yaml is not a valid TCPShift:\n.*not valid YAML: .*alias/],
    ['text that is not UTF-8', () => file('latin1.yaml', Buffer.from('kind: caf\xe9\n', 'latin1')), /latin1\.yaml: is not UTF-8 text/],
  ])('%s: exit 2 naming it', async (_name, fileArg, message) => {
    expectRefused(await render(fileArg()), message);
  });

  it('-f - reads stdin, with the same cap', async () => {
    const ok = await render('-', readFileSync(good, 'utf8'));
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/kind: VirtualService/);
    const big = await render('-', `# ${'x'.repeat(300 * 1024)}\n`);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/-f -: larger than 256 KiB/);
  });

  it('shift -f /dev/zero is exit 2 before any cluster is contacted', async () => {
    const run = await runTcpshift(['shift', '-f', '/dev/zero', '--kubeconfig', path.join(dir, 'none')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/-f \/dev\/zero: is not a regular file or a pipe/);
  });

  it('--kubeconfig /dev/zero is exit 2 instead of reading without end', async () => {
    const run = await runTcpshift(['status', 'echo', '--kubeconfig', '/dev/zero']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--kubeconfig \/dev\/zero: is not a regular file or a pipe/);
  });

  it('a FIFO whose writer never closes is refused after 10 s, and the process exits', async () => {
    const fifo = path.join(dir, 'never-ends');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // A writer that opens the pipe, writes a line and keeps it open.
    const writer = spawn('sh', ['-c', `exec 3>"${fifo}"; echo 'apiVersion: tcpshift.io/v1alpha1' >&3; sleep 120`], { stdio: 'ignore', detached: true });
    try {
      const run = await renderProcess(fifo);
      expect(run.stderr).toMatch(/never-ends: did not end within 10 s/);
      expect(run.code).toBe(2);
    } finally {
      if (writer.pid !== undefined) process.kill(-writer.pid, 'SIGKILL');
    }
  }, 90_000);
});
