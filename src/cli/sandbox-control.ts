import { spawn } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { runningSandboxPid, type SandboxInfo } from '../sandbox/index.js';
import { DURATION_HELP, parseDuration } from '../util/duration.js';
import { packagePath } from '../util/package-root.js';
import { processExists } from '../util/process-alive.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { CliContext } from './io.js';

/**
 * `sandbox up --detach`, `sandbox down`, `sandbox env`: a sandbox in the background for scripts and
 * multi-terminal recipes. `--detach` starts `sandbox up` again as a detached process (its log in
 * DIR/sandbox.log) and returns once that process has written DIR/sandbox.json (which carries its
 * pid, so a file left by an older sandbox is never mistaken for it), printing the exports.
 */
export const SANDBOX_LOG = 'sandbox.log';

function readInfo(dir: string): Promise<SandboxInfo | undefined> {
  return readFile(path.join(dir, 'sandbox.json'), 'utf8').then(
    (text) => JSON.parse(text) as SandboxInfo,
    () => undefined,
  );
}

/** `export KUBECONFIG=...` and one comment line per listener: safe to `eval`. */
export function envLines(info: SandboxInfo, dir: string): string {
  const listeners = (info.gateways ?? []).map((g) => `# gateway ${g.namespace}/${g.name} port ${g.gatewayPort} -> ${g.host}:${g.port}`);
  return [
    `export KUBECONFIG=${info.kubeconfig}`,
    `# tcpshift sandbox (pid ${info.pid}) in ${dir}; API ${info.apiServer}; stop it with: tcpshift sandbox down --dir ${dir}`,
    ...listeners,
    `# gateway metrics ${info.gatewayStats}`,
    ...(info.prometheus ? [`# prometheus ${info.prometheus.url}`] : []),
    '',
  ].join('\n');
}

/** The log's last lines, to say why a detached sandbox did not come up. */
async function logTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trim().split('\n').slice(-15).join('\n');
}

/** Start `tcpshift sandbox up ARGS` detached; resolves with the exit code once it is up (0) or has failed. */
export async function runDetached(dir: string, upArgs: string[], timeoutMs: number, ctx: CliContext): Promise<number> {
  const absolute = path.resolve(dir);
  const running = await runningSandboxPid(absolute);
  if (running !== undefined) throw new UsageError(`--dir: a sandbox is already running in ${absolute} (pid ${running}): tcpshift sandbox env --dir ${dir}, or tcpshift sandbox down --dir ${dir}`);
  mkdirSync(absolute, { recursive: true });
  const logFile = path.join(absolute, SANDBOX_LOG);
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, [packagePath('dist', 'cmd', 'tcpshift.js'), 'sandbox', 'up', '--dir', absolute, ...upArgs], { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code ?? ExitCode.Error));
  child.unref();
  const deadline = ctx.clock.monotonic() + timeoutMs;
  for (;;) {
    const info = await readInfo(absolute);
    if (info && info.pid === child.pid) {
      ctx.stdout.write(envLines(info, dir));
      return ExitCode.Ok;
    }
    if (exitCode !== undefined || ctx.clock.monotonic() > deadline) break;
    await ctx.clock.sleep(100);
  }
  if (exitCode === undefined) child.kill('SIGTERM');
  ctx.stderr.write(`error: the sandbox did not come up${exitCode === undefined ? ` within ${timeoutMs} ms (stopped it)` : ` (exit ${exitCode})`}; ${logFile} ends with:\n${await logTail(logFile)}\n`);
  return exitCode === ExitCode.Invalid ? ExitCode.Invalid : ExitCode.Error;
}

async function sandboxDown(dir: string, timeoutMs: number, ctx: CliContext): Promise<number> {
  const absolute = path.resolve(dir);
  const pid = await runningSandboxPid(absolute);
  if (pid === undefined) {
    ctx.stderr.write(`no sandbox is running in ${absolute}\n`);
    return ExitCode.Ok;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = ctx.clock.monotonic() + timeoutMs;
  while (processExists(pid)) {
    if (ctx.clock.monotonic() > deadline) {
      process.kill(pid, 'SIGKILL');
      ctx.stderr.write(`the sandbox (pid ${pid}) did not stop within ${timeoutMs} ms: killed it (its echo processes exit on their own)\n`);
      return ExitCode.Error;
    }
    await ctx.clock.sleep(100);
  }
  ctx.stdout.write(`sandbox in ${absolute} stopped (pid ${pid})\n`);
  return ExitCode.Ok;
}

async function sandboxEnv(dir: string, ctx: CliContext): Promise<number> {
  const absolute = path.resolve(dir);
  const info = await readInfo(absolute);
  if (!info || !processExists(info.pid)) throw new UsageError(`--dir: no sandbox is running in ${absolute}${info ? ` (its sandbox.json names pid ${info.pid}, which is gone)` : ''}: start one with tcpshift sandbox up --detach --dir ${dir}`);
  ctx.stdout.write(envLines(info, dir));
  return ExitCode.Ok;
}

export function parseTimeout(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--timeout: '${text}' is not ${DURATION_HELP}`);
  return ms;
}

export function downCommand(ctx: CliContext): Command {
  return new Command('down')
    .description('Stop the sandbox running in DIR (SIGTERM, then wait until every process has ended).')
    .option('--dir <dir>', 'the sandbox directory', '.sandbox')
    .option('--timeout <duration>', 'how long to wait before SIGKILL', '30s')
    .addHelpText('after', '\nExamples:\n  tcpshift sandbox down\n  tcpshift sandbox down --dir /tmp/sandbox-gwapi\n\nExit codes: 0 stopped (or none was running), 1 had to SIGKILL it.')
    .action(async (raw: { dir: string; timeout: string }) => ctx.setExitCode(await sandboxDown(raw.dir, parseTimeout(raw.timeout), ctx)));
}

export function envCommand(ctx: CliContext): Command {
  return new Command('env')
    .description("Print `export KUBECONFIG=...` and the gateway listeners of the sandbox running in DIR.")
    .option('--dir <dir>', 'the sandbox directory', '.sandbox')
    .addHelpText('after', '\nExamples:\n  eval "$(tcpshift sandbox env)"\n  tcpshift sandbox env --dir /tmp/sandbox-gwapi\n\nExit codes: 0, 2 no sandbox running in DIR.')
    .action(async (raw: { dir: string }) => ctx.setExitCode(await sandboxEnv(raw.dir, ctx)));
}
