// Every shell command the README tells a user to type, run as printed. Each ```sh/```bash block
// (and each ```console block with `$ ` prompts) carries a mark on the line before it:
// `<!-- readme-test: run -->` (run here, in order, each command checked against EXPECTED below) or
// `<!-- readme-test: skip REASON -->` (not run here: the reason says why and which test covers it).
// An unmarked block fails, so no command escapes as the README changes.
//
// Run blocks run in bash, in a scratch directory holding the clone's examples/, with a fresh HOME,
// `tcpshift`, `tcpshift-echo` and `kubectl-tcpshift` on PATH as `npm install -g .` puts them (the
// package's bin map) and KUBECONFIG naming an API emulator that holds, before every block, a
// paused CLI shift `echo` in namespace `echo` at stable 80 % / canary 20 %.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initialState } from '../../src/shift/index.js';
import { repoRoot } from '../support/cli.js';
import { findProgram } from '../support/require-program.js';
import { isShellBlock, readmeBlocks, type ReadmeBlock, type ReadmeCommand } from '../support/readme-blocks.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';

const run = promisify(execFile);
const blocks = readmeBlocks(readFileSync(path.join(repoRoot, 'README.md'), 'utf8'));
const shellBlocks = blocks.filter(isShellBlock);
const runBlocks = shellBlocks.filter((b) => b.mark?.run === true);

interface Scene {
  api: ShiftApi;
  /** The scratch directory the commands run in. */
  work: string;
}

interface Expectation {
  code: number;
  /** What the README says it prints, on stdout (stderr with `on: 'stderr'`). */
  prints: RegExp;
  on?: 'stdout' | 'stderr';
  /** What it leaves behind; returns a problem, or undefined. */
  then?: (scene: Scene) => string | undefined;
}

/** Keyed by the command exactly as the README prints it. */
const EXPECTED: Record<string, Expectation> = {
  'tcpshift render -f examples/shift.yaml --weight 20 -o json | kubectl apply -f -': {
    code: 0,
    prints: /^virtualservice\.networking\.istio\.io\/echo (configured|unchanged)$/m,
    then: ({ api }) => sameWeights(api.weights(), [80, 20]),
  },
  "sed 's/bake: 60s/bake: 2m/' examples/shift.yaml | tcpshift render -f - --weight 20   # -f - reads stdin": {
    code: 0,
    prints: /kind: VirtualService[\s\S]*?subset: v1[\s\S]*?weight: 80[\s\S]*?subset: v2[\s\S]*?weight: 20/,
  },
  'tcpshift render -f examples/shift.yaml --weight 0 --strategy locality                 # drain-free shape': {
    code: 0,
    prints: /localityLbSetting:\n\s+distribute:[\s\S]*^# kubectl -n echo label pods -l version=v2 topology\.istio\.io\/locality=tcpshift\.echo\.v2/m,
  },
  'tcpshift abort echo -n echo': {
    code: 0,
    prints: /^shift echo\/echo Aborted: stable 100 \/ canary 0 written/m,
    then: ({ api }) => sameWeights(api.weights(), [100, 0]),
  },
  'tcpshift report echo -n echo --dir ./echo-report': {
    code: 0,
    prints: /^Paused: echo\/echo, \d+ step record\(s\)\nreport: \S*echo-report\/report\.md$/m,
    then: ({ work }) => {
      const missing = ['report.md', 'report.json', 'timeline.svg'].filter((f) => !existsSync(path.join(work, 'echo-report', f)));
      return missing.length ? `./echo-report lacks ${missing.join(', ')}` : undefined;
    },
  },
};

function sameWeights(actual: number[], wanted: number[]): string | undefined {
  return JSON.stringify(actual) === JSON.stringify(wanted) ? undefined : `the route's weights are ${JSON.stringify(actual)}, the README implies ${JSON.stringify(wanted)}`;
}

function where(block: ReadmeBlock, command?: ReadmeCommand): string {
  const first = command ?? block.commands[0];
  return `README.md:${first?.line ?? block.line} (\`\`\`${block.info} block at line ${block.line})${first ? `: \`${first.text}\`` : ''}`;
}

describe('README blocks: how marks and commands are read', () => {
  it('reads the mark on the line before a fence, joins continued lines, takes console prompts, keeps a bad mark', () => {
    const markdown = [
      '<!-- readme-test: run -->', '```sh', 'tcpshift a \\', '  --b   # c', '# a comment', '', 'tcpshift d', '```',
      '```sh', 'x', '```',
      '<!-- readme-test: skip -->', '```bash', 'y', '```',
      '<!-- readme-test: skip needs a real cluster -->', '```console', '$ nc host 1', 'an answer', '```',
      '```yaml', 'a: 1', '```',
    ].join('\n');
    const read = readmeBlocks(markdown);
    expect(read.map((b) => ({ line: b.line, info: b.info, mark: b.mark, bad: b.badMark, commands: b.commands }))).toEqual([
      { line: 2, info: 'sh', mark: { run: true }, bad: undefined, commands: [{ line: 3, text: 'tcpshift a \\\n  --b   # c' }, { line: 7, text: 'tcpshift d' }] },
      { line: 9, info: 'sh', mark: undefined, bad: undefined, commands: [{ line: 10, text: 'x' }] },
      { line: 13, info: 'bash', mark: undefined, bad: 'skip', commands: [{ line: 14, text: 'y' }] },
      { line: 17, info: 'console', mark: { run: false, reason: 'needs a real cluster' }, bad: undefined, commands: [{ line: 18, text: 'nc host 1' }] },
      { line: 21, info: 'yaml', mark: undefined, bad: undefined, commands: [{ line: 22, text: 'a: 1' }] },
    ]);
    expect(read.filter(isShellBlock).map((b) => b.line)).toEqual([2, 9, 13, 17]);
  });
});

describe('README: every shell block is marked', () => {
  it('each ```sh/```bash block (and ```console with $ prompts) is marked run, or skip with a reason', () => {
    const unmarked = shellBlocks
      .filter((b) => b.mark === undefined)
      .map((b) => `${where(b)}: put <!-- readme-test: run --> or <!-- readme-test: skip REASON --> on the line before the fence${b.badMark ? ` (found "readme-test: ${b.badMark}")` : ''}`);
    expect(unmarked).toEqual([]);
  });

  it('each command of a run block has an expectation in this file, and each expectation is a README command', () => {
    const commands = runBlocks.flatMap((b) => b.commands.map((c) => ({ b, c })));
    const unexpected = commands.filter(({ c }) => !(c.text in EXPECTED)).map(({ b, c }) => `${where(b, c)}: no entry in EXPECTED of test/e2e/readme-commands.test.ts`);
    const printed = new Set(commands.map(({ c }) => c.text));
    const stale = Object.keys(EXPECTED).filter((k) => !printed.has(k)).map((k) => `EXPECTED has \`${k}\`, no longer a command of a run block in README.md`);
    expect([...unexpected, ...stale]).toEqual([]);
  });
});

const kubectl = findProgram('kubectl');
if (!kubectl) console.warn('skipping the README run blocks: kubectl is not on PATH (the render block pipes into kubectl apply)');

describe.skipIf(!kubectl)('README: run blocks, as printed', () => {
  const scene = {} as Scene;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    scene.api = await startShiftApi();
    scene.work = mkdtempSync(path.join(os.tmpdir(), 'tcpshift-readme-'));
    symlinkSync(path.join(repoRoot, 'examples'), path.join(scene.work, 'examples'));
    const home = path.join(scene.work, 'home');
    await mkdir(home);
    env = { PATH: [installBins(scene.work), path.dirname(process.execPath), process.env.PATH ?? ''].join(path.delimiter), HOME: home, KUBECONFIG: scene.api.kubeconfigPath, LANG: 'C.UTF-8' };
  });
  afterAll(async () => {
    await scene.api.close();
    rmSync(scene.work, { recursive: true, force: true });
  });

  it('each command exits and prints as the README says', async () => {
    const problems: string[] = [];
    for (const block of runBlocks) {
      scene.api.placeShift({ name: 'echo', state: { ...initialState(Date.now() - 60_000), phase: 'paused', pausedFrom: 'baking', stepIndex: 0, original: { stable: 100, canary: 0 } }, weights: [80, 20] });
      const results = await runBlock(block, scene.work, env);
      block.commands.forEach((command, i) => problems.push(...check(block, command, results[i]!, scene)));
    }
    expect(problems).toEqual([]);
  }, 60_000);
});

interface CommandResult {
  /** undefined: the command did not finish (the block's shell ended or timed out first). */
  code: number | undefined;
  stdout: string;
  stderr: string;
}

/** What `npm install -g .` puts on PATH: one command per package.json bin, running the clone's build. */
function installBins(work: string): string {
  const dir = path.join(work, 'bin');
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  mkdirSync(dir, { recursive: true });
  for (const [name, target] of Object.entries(pkg.bin)) {
    writeFileSync(path.join(dir, name), `#!/bin/sh\nexec node "${path.join(repoRoot, target)}" "$@"\n`, { mode: 0o755 });
  }
  return dir;
}

/** One bash script per block, so state (cd, exports, eval) carries from command to command as in a terminal. */
async function runBlock(block: ReadmeBlock, work: string, env: NodeJS.ProcessEnv): Promise<CommandResult[]> {
  const out = path.join(work, `.block-${block.line}`);
  await mkdir(out);
  const lines = ['set -o pipefail', `cd ${JSON.stringify(work)}`];
  block.commands.forEach((c, i) => lines.push(`{ ${c.text}\n} >${out}/${i}.out 2>${out}/${i}.err </dev/null; echo $? >${out}/${i}.rc`));
  const shell = await run('bash', ['-c', lines.join('\n')], { env, cwd: work, timeout: 50_000 }).then(
    () => 'the shell ended before it',
    (e: Error) => `the block's shell failed: ${e.message}`,
  );
  return block.commands.map((_, i) => commandResult(path.join(out, String(i)), shell));
}

function commandResult(base: string, why: string): CommandResult {
  const read = (ext: string): string => (existsSync(`${base}.${ext}`) ? readFileSync(`${base}.${ext}`, 'utf8') : '');
  const rc = read('rc');
  return { code: rc === '' ? undefined : Number(rc), stdout: read('out'), stderr: rc === '' ? `${read('err')}\n(did not finish: ${why})` : read('err') };
}

function check(block: ReadmeBlock, command: ReadmeCommand, result: CommandResult, scene: Scene): string[] {
  const wanted = EXPECTED[command.text];
  if (!wanted) return [];
  const output = wanted.on === 'stderr' ? result.stderr : result.stdout;
  const problems = [
    result.code === wanted.code ? undefined : `exited ${result.code ?? '(did not finish)'}, expected ${wanted.code}`,
    wanted.prints.test(output) ? undefined : `its ${wanted.on ?? 'stdout'} does not match ${String(wanted.prints)}`,
    wanted.then?.(scene),
  ].filter((p): p is string => p !== undefined);
  const shown = `\n  stdout: ${JSON.stringify(result.stdout.slice(0, 600))}\n  stderr: ${JSON.stringify(result.stderr.slice(0, 600))}`;
  return problems.map((p) => `${where(block, command)}: ${p}${shown}`);
}
