import { statSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { textLogger } from '../echo/index.js';
import { describeRoute } from '../sandbox/mesh/index.js';
import { GATEWAY_NAME, PrometheusMissingError, SandboxBusyError, startSandbox, type Sandbox, type SandboxOptions, type SandboxProvider } from '../sandbox/index.js';
import { formatDuration } from '../util/duration.js';
import { UsageError } from './errors.js';
import { durationFlag, MAX_FLAG_WAIT_MS } from './duration-flag.js';
import { ExitCode } from './exit-codes.js';
import type { CliContext } from './io.js';
import { downCommand, envCommand, parseTimeout, runDetached } from './sandbox-control.js';

interface RawUpOptions {
  dir: string;
  drain: string;
  edsMergeWindow: string;
  port: string;
  replicas: string;
  podDrainGrace: string;
  prefixes?: string;
  banner: string;
  provider: string;
  detach?: boolean;
  timeout: string;
  prometheus?: boolean;
}

const MAX_REPLICAS = 20;

const EXAMPLES = `
Examples:
  # The whole mesh on loopback, state in ./.sandbox, Istio's 45 s drain:
  tcpshift sandbox up

  # Short drains for quick experiments, a fixed gateway port, Istio tcp-echo style prefixes:
  tcpshift sandbox up --drain 5s --port 15400 --prefixes one,two

  # Locality weight changes (DestinationRule distribute) reach new connections at once:
  tcpshift sandbox up --eds-merge-window 0s

  # Gateway API: a TCPRoute with one Service per version instead of the VirtualService:
  tcpshift sandbox up --provider gateway-api --dir /tmp/sandbox-gwapi

  # Also a real Prometheus (Debian's prometheus package) scraping Istio's TCP metrics every 1 s:
  tcpshift sandbox up --prometheus
  curl -s "$(jq -r .prometheus.url .sandbox/sandbox.json)/api/v1/query" \
    --data-urlencode 'query=sum by (destination_version) (istio_tcp_connections_opened_total)'

  # In the background (log in DIR/sandbox.log): returns once it is up, prints the exports
  eval "$(tcpshift sandbox up --detach)"
  kubectl get pods -A
  tcpshift sandbox down

It runs in the foreground: an API server (kubectl works against DIR/kubeconfig), echo pods
echo-v1-* and echo-v2-* (real tcpshift-echo processes), and the ingress gateway emulator routing
Gateway echo-gateway port 31400 as istiod + Envoy would (weights per new connection, old
connections closed when the drain after a route change ends). It writes DIR/sandbox.json,
DIR/kubeconfig and DIR/shift.yaml (a ready-to-run shift), prints copy-paste commands, then logs
route changes and pod events on stderr. Ctrl-C (SIGINT) or SIGTERM stops every process, and
sandbox.json goes with it. With --detach it runs in the background instead: the command returns
once the sandbox is up, printing \`export KUBECONFIG=...\` and the gateway listeners.
Exit codes: 0 stopped cleanly (--detach: up), 2 bad flag or DIR already used by a running sandbox, 1 failed.`;

export function sandboxCommand(ctx: CliContext): Command {
  const up = new Command('up')
    .description('Run the embedded sandbox (API, mesh gateway, echo pods) in the foreground until Ctrl-C.')
    .option('--dir <dir>', 'where sandbox.json, kubeconfig and shift.yaml are written', '.sandbox')
    .option('--drain <duration>', "the gateway's drain duration after a route change (Istio drainDuration)", '45s')
    .option('--eds-merge-window <duration>', "how long the gateway may hold an endpoint weight change before new connections see it (Envoy's update_merge_window)", '1s')
    .option('--port <port>', 'loopback port of the gateway (0: any free port)', '0')
    .option('--replicas <n>', `echo pods per version (0..${MAX_REPLICAS})`, '2')
    .option('--pod-drain-grace <duration>', 'how long a deleted pod keeps echoing before its FIN (tcpshift-echo --drain-grace)', '2s')
    .option('--prefixes <stable,canary>', "echo prefixes of v1 and v2, like Istio's tcp-echo (e.g. one,two)")
    .option('--banner <mode>', 'echo banner on connect: full or none', 'full')
    .option('--provider <provider>', 'route with an Istio VirtualService (istio) or a Gateway API TCPRoute (gateway-api)', 'istio')
    .option('--detach', 'run in the background; return once it is up, printing the exports (stop it with sandbox down)')
    .option('--timeout <duration>', 'with --detach: how long to wait for it to come up', '120s')
    .option('--prometheus', "also run a real Prometheus (Debian's prometheus package) scraping the gateway's Istio TCP metrics and the echo pods every 1 s; its URL goes in sandbox.json")
    .addHelpText('after', EXAMPLES)
    .action(async (raw: RawUpOptions) => {
      const options = parseUpOptions(raw);
      if (raw.detach) ctx.setExitCode(await runDetached(raw.dir, upArgs(raw), parseTimeout(raw.timeout), ctx));
      else ctx.setExitCode(await runSandboxUp(options, ctx));
    });
  return new Command('sandbox')
    .description('The embedded environment: a mesh on loopback, no cluster needed.')
    .addCommand(up)
    .addCommand(downCommand(ctx))
    .addCommand(envCommand(ctx));
}

/** The flags of `up` as the detached process gets them (already checked). */
function upArgs(raw: RawUpOptions): string[] {
  return [
    '--drain', raw.drain, '--eds-merge-window', raw.edsMergeWindow, '--port', raw.port, '--replicas', raw.replicas, '--pod-drain-grace', raw.podDrainGrace,
    '--banner', raw.banner, '--provider', raw.provider, ...(raw.prefixes !== undefined ? ['--prefixes', raw.prefixes] : []),
    ...(raw.prometheus ? ['--prometheus'] : []),
  ];
}

function parseUpOptions(raw: RawUpOptions): SandboxOptions & { dir: string } {
  return {
    dir: parseDir(raw.dir),
    drainMs: duration('--drain', raw.drain),
    edsMergeWindowMs: duration('--eds-merge-window', raw.edsMergeWindow),
    gatewayListenPort: integer('--port', raw.port, 0, 65535),
    replicas: integer('--replicas', raw.replicas, 0, MAX_REPLICAS),
    podDrainGraceMs: duration('--pod-drain-grace', raw.podDrainGrace),
    ...(raw.prefixes !== undefined ? { prefixes: parsePrefixes(raw.prefixes) } : {}),
    banner: oneOf('--banner', raw.banner, ['full', 'none'] as const),
    provider: oneOf('--provider', raw.provider, ['istio', 'gateway-api'] as const satisfies readonly SandboxProvider[]),
    ...(raw.prometheus ? { prometheus: {} } : {}),
  };
}

function parseDir(dir: string): string {
  if (dir.trim() === '') throw new UsageError('--dir: must not be empty');
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--dir: ${dir} exists and is not a directory`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
  }
  return dir;
}

function duration(flag: string, text: string): number {
  return durationFlag(flag, text, { maxMs: MAX_FLAG_WAIT_MS });
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new UsageError(`${flag}: '${text}' is not a whole number in ${min}..${max}`);
  return n;
}

function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`${flag}: '${text}' is not one of ${allowed.join(', ')}`);
  return text as T;
}

function parsePrefixes(text: string): { v1: string; v2: string } {
  const parts = text.split(',');
  const [v1, v2] = parts;
  if (parts.length !== 2 || !v1 || !v2 || v1 === v2 || /\s/.test(text)) {
    throw new UsageError(`--prefixes: '${text}' is not STABLE,CANARY (two different words without spaces, e.g. one,two)`);
  }
  return { v1, v2 };
}

async function runSandboxUp(options: SandboxOptions & { dir: string }, ctx: CliContext): Promise<number> {
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ ...options, clock: ctx.clock, logger: textLogger(ctx.stderr, ctx.clock, 'info') });
  } catch (error) {
    if (error instanceof SandboxBusyError) throw new UsageError(`--dir: ${error.message}`);
    if (error instanceof PrometheusMissingError) throw new UsageError(`--prometheus: ${error.message}`);
    throw error;
  }
  try {
    ctx.stdout.write(describeSandbox(sandbox));
    await untilInterrupted(ctx.interrupts);
    ctx.stdout.write('stopping the sandbox: closing the gateway, stopping the pods...\n');
  } finally {
    await sandbox.stop();
  }
  ctx.stdout.write('sandbox stopped: every process ended, every port closed\n');
  return ExitCode.Ok;
}

function untilInterrupted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** A path as typed from the current directory when it is below it, else absolute. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function describeSandbox(sandbox: Sandbox): string {
  const { info, files } = sandbox;
  const kubeconfig = shown(files.kubeconfig);
  const address = `${info.gateway.host}:${info.gateway.port}`;
  const listener = sandbox.gateway.listener(info.gateway.gatewayPort);
  const pods = sandbox.pods();
  const lines = [
    `tcpshift sandbox is up (dir ${shown(files.dir)}); Ctrl-C stops it.`,
    ...(sandbox.tookOverStaleLock !== undefined ? [`  (took over the stale lock of pid ${sandbox.tookOverStaleLock}, which is no longer running)`] : []),
    '',
    `  API server  ${info.apiServer}  (kubeconfig ${kubeconfig}, namespace ${info.namespace})`,
    `  gateway     ${address} -> Gateway ${GATEWAY_NAME} port ${info.gateway.gatewayPort}, drain ${formatDuration(sandbox.drainMs)}`,
    `  route       ${listener?.tcpProxy?.source ?? 'none'}: ${describeRoute(listener?.tcpProxy)}`,
    `  metrics     ${info.gatewayStats}  (Istio's TCP metrics of the gateway)`,
    ...(info.prometheus ? [`  prometheus  ${info.prometheus.url}  (scrape every ${formatDuration(info.prometheus.scrapeIntervalMs)}, ready after ${formatDuration(info.prometheus.startupMs)})`] : []),
    ...pods.map((p, i) => `  ${i === 0 ? 'pods ' : '     '}       ${p.name}  ${p.version}  pid ${p.pid}  127.0.0.1:${p.port}  ${p.ready ? 'ready' : 'not ready'}`),
    `  files       ${shown(files.sandboxJson)}, ${kubeconfig}, ${shown(files.shiftYaml)}`,
    '',
    'Try, from another terminal:',
    `  kubectl --kubeconfig ${kubeconfig} get pods,services,gateways.networking.istio.io,virtualservices,destinationrules,tcproutes`,
    `  nc ${info.gateway.host} ${info.gateway.port}`,
    `  tcpshift probe --address ${address} --duration 10s`,
    `  ${weightCommand(sandbox, kubeconfig)}`,
    ...(pods[0] ? [`  kubectl --kubeconfig ${kubeconfig} delete pod ${pods[0].name}`] : []),
    `  tcpshift shift -f ${shown(files.shiftYaml)} --kubeconfig ${kubeconfig}`,
    ...(info.prometheus ? [`  curl -s ${info.prometheus.url}/api/v1/query --data-urlencode 'query=sum by (destination_version, response_flags) (istio_tcp_connections_closed_total)'`] : []),
    '',
  ];
  return `${lines.join('\n')}\n`;
}

function weightCommand(sandbox: Sandbox, kubeconfig: string): string {
  const weights = (base: string) =>
    `'[{"op":"replace","path":"${base}/0/weight","value":80},{"op":"replace","path":"${base}/1/weight","value":20}]'`;
  if (sandbox.provider === 'istio') return `kubectl --kubeconfig ${kubeconfig} patch virtualservice echo --type=json -p ${weights('/spec/tcp/0/route')}`;
  return `kubectl --kubeconfig ${kubeconfig} patch tcproute echo --type=json -p ${weights('/spec/rules/0/backendRefs')}`;
}
