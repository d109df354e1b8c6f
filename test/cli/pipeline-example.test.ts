// The GitHub Actions example of README "Gates and hooks" (examples/github-actions): every
// `tcpshift` command in the workflow is a command line the CLI accepts (commander parses it;
// nothing runs against a cluster), the spec it shifts is valid and renders, and the two jobs are
// wired so that the approval can reach the waiting shift.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../src/cli/program.js';
import { parseTCPShiftText } from '../../src/spec/parse-tcpshift.js';
import { systemClock } from '../../src/util/clock.js';
import { packagePath } from '../../src/util/package-root.js';
import { runTcpshift } from '../support/cli.js';

const WORKFLOW = 'examples/github-actions/shift.yml';
const SPEC = 'examples/github-actions/shift.yaml';

interface Step { name?: string; run?: string; env?: Record<string, string> }
interface Job { environment?: string; needs?: unknown; steps: Step[] }
const workflow = parse(readFileSync(packagePath(WORKFLOW), 'utf8')) as { jobs: Record<string, Job> };

/** The `tcpshift ...` command lines in a shell script, each cut at a pipe, redirection, `)` or `;`, as words. */
function tcpshiftCommands(script: string): string[][] {
  return [...script.matchAll(/\btcpshift\s+[^|;&)>\n]*/g)].map((m) => m[0].trim().split(/\s+/).slice(1).map((word) => word.replace(/^["']|["']$/g, '')));
}

/** The verb path (e.g. `status`) commander picks for these words; throws what commander refuses. */
async function parsedVerb(words: string[]): Promise<string> {
  let chosen = '';
  const discard = new PassThrough();
  const program = buildProgram({ stdout: discard, stderr: discard, env: {}, clock: systemClock, interrupts: new AbortController().signal, setExitCode: () => undefined });
  const intercept = (cmd: Command, path: string[]): void => {
    cmd.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    if (cmd !== program) cmd.action(() => void (chosen = path.join(' ')));
    for (const sub of cmd.commands) intercept(sub, [...path, sub.name()]);
  };
  intercept(program, []);
  await program.parseAsync(words, { from: 'user' });
  return chosen;
}

const commands = Object.values(workflow.jobs).flatMap((job) => job.steps.flatMap((step) => (step.run ? tcpshiftCommands(step.run) : [])));

describe('GitHub Actions example', () => {
  it('runs only command lines the CLI accepts: render, shift, status, promote', async () => {
    const verbs = await Promise.all(commands.map(parsedVerb));
    expect(verbs).toEqual(['render', 'shift', 'status', 'promote']);
    await expect(parsedVerb(['promote', 'echo', '--namespace'])).rejects.toThrow(/argument missing/);
  });

  it('shifts a valid spec with a gate and a Slack notification whose URL the shift job passes', async () => {
    const result = parseTCPShiftText(readFileSync(packagePath(SPEC), 'utf8'));
    if (!result.ok) throw new Error(result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
    expect(result.resource.spec.schedule.steps).toEqual([10, { pause: {} }, 50, 100]);
    const [chat] = result.resource.spec.notifications ?? [];
    expect(chat).toMatchObject({ type: 'slack', urlFrom: { env: 'SLACK_WEBHOOK_URL' } });
    const shiftStep = workflow.jobs.shift?.steps.find((step) => step.run?.includes('tcpshift shift'));
    expect(Object.keys(shiftStep?.env ?? {})).toContain(chat?.urlFrom?.env);
    const rendered = await runTcpshift(['render', '-f', packagePath(SPEC), '--weight', '10']);
    expect(rendered.code).toBe(0);
    expect(rendered.stdout).toMatch(/weight: 10\b/);
  });

  it('lets the approval job run beside the waiting shift (needing it would wait for ever) behind an environment', () => {
    const approve = workflow.jobs.approve;
    expect(approve?.environment).toBeTruthy();
    expect(approve?.needs).toBeUndefined();
    expect(approve?.steps.map((step) => step.run ?? '').join('\n')).toMatch(/Progressing\/waiting\) break/);
  });
});
