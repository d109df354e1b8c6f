import { Command, Option } from 'commander';
import { KubeClient } from '../kube/index.js';
import { createRouter } from '../router/index.js';
import { echoLocality, LOCALITY_GATEWAY_NAME, LOCALITY_GATEWAY_PORT, LOCALITY_HOST, LOCALITY_VIRTUAL_SERVICE, PrometheusMissingError, SANDBOX_SPLIT, startSandbox, type FaultMode, type FaultOptions, type Sandbox } from '../sandbox/index.js';
import { minimumBakeForDrain, type ShiftObserver } from '../shift/index.js';
import { parseTCPShiftObject } from '../spec/parse-tcpshift.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import type { TCPShiftResource } from '../spec/tcpshift-schema.js';
import type { ReportMarker } from '../report/index.js';
import { formatDuration } from '../util/duration.js';
import { UsageError } from './errors.js';
import { durationFlag } from './duration-flag.js';
import type { CliContext } from './io.js';
import { printResult } from './shift-output.js';
import { runShiftSession } from './shift-session.js';

/** The demo's schedule: three steps of a few seconds each. */
export const DEMO_STEPS = [20, 50, 100] as const;
export const DEMO_FAULTS = ['blackhole', 'reset', 'refuse', 'corrupt', 'slow'] as const;
export type DemoFault = (typeof DEMO_FAULTS)[number];

const HEARTBEAT_MS = 500;
const TIMEOUT_MS = 1000;
const MAX_DRAIN_MS = 15_000;

export interface DemoFaultPlan {
  kind: DemoFault;
  /** Switch it on when the canary weight reaches this step weight. */
  atWeight: number;
}

/** `KIND[@WEIGHT]`, WEIGHT one of the demo's steps (default: the first). */
export function parseDemoFault(text: string): DemoFaultPlan {
  const [kind, weightText, extra] = text.split('@');
  if (extra !== undefined || !DEMO_FAULTS.includes(kind as DemoFault)) {
    throw new UsageError(`--fault: '${text}' is not KIND[@WEIGHT] with KIND one of ${DEMO_FAULTS.join(', ')}`);
  }
  const atWeight = weightText === undefined ? DEMO_STEPS[0] : Number(weightText);
  if (!DEMO_STEPS.includes(atWeight as (typeof DEMO_STEPS)[number]) || !/^\d+$/.test(weightText ?? '20')) {
    throw new UsageError(`--fault: WEIGHT '${weightText ?? ''}' must be one of the demo's steps: ${DEMO_STEPS.join(', ')}`);
  }
  return { kind: kind as DemoFault, atWeight };
}

/** The fault proxy's mode for each demo fault: `slow` delays every echo past the probes' timeout. */
export function faultMode(kind: DemoFault): { mode: FaultMode; options: FaultOptions } {
  if (kind === 'slow') return { mode: 'delay', options: { delayMs: 3 * TIMEOUT_MS } };
  return { mode: kind, options: {} };
}

function parseDrain(text: string): number {
  return durationFlag('--drain', text, { maxMs: MAX_DRAIN_MS });
}

/** The demo's bake: long enough to see each step's drain inside it, at least 3 s. */
export function demoBakeMs(drainMs: number): number {
  return Math.max(3000, Math.ceil((minimumBakeForDrain(drainMs) + 1000) / 500) * 500);
}

/** What varies between shifts of the sandbox's echo route: everything but target, stable and canary. */
export interface EchoShiftParts {
  name?: string;
  schedule: Record<string, unknown>;
  probe: Record<string, unknown>;
  analysis?: Record<string, unknown>;
  /** locality: the sandbox's locality routing (VirtualService echo-locality, port 31401, DestinationRule echo-locality). */
  strategy?: 'route' | 'locality';
}

/** The target and versions of the sandbox's routing for a strategy. */
function echoRouting(strategy: 'route' | 'locality'): Record<string, unknown> {
  if (strategy === 'route') {
    return {
      target: { virtualService: 'echo', destinationRule: 'echo', host: 'echo.echo.svc.cluster.local', port: 9000, matchPort: 31400, gateways: ['echo-gateway'] },
      stable: { subset: 'v1' },
      canary: { subset: 'v2' },
    };
  }
  return {
    strategy: 'locality',
    target: { virtualService: LOCALITY_VIRTUAL_SERVICE, destinationRule: LOCALITY_VIRTUAL_SERVICE, host: LOCALITY_HOST, port: 9000, matchPort: LOCALITY_GATEWAY_PORT, gateways: [LOCALITY_GATEWAY_NAME] },
    stable: { subset: 'v1', locality: echoLocality('v1') },
    canary: { subset: 'v2', locality: echoLocality('v2') },
  };
}

/**
 * A TCPShift document for the sandbox's echo route (namespace echo, VirtualService echo on
 * Gateway echo-gateway port 31400, DestinationRule subsets v1 -> v2): the demo's, and the one
 * tests and benchmarks shift.
 */
export function echoShiftDocument(parts: EchoShiftParts): Record<string, unknown> {
  return {
    apiVersion: 'tcpshift.io/v1alpha1',
    kind: 'TCPShift',
    metadata: { name: parts.name ?? 'demo', namespace: 'echo' },
    spec: {
      ...echoRouting(parts.strategy ?? 'route'),
      schedule: parts.schedule,
      probe: parts.probe,
      ...(parts.analysis ? { analysis: parts.analysis } : {}),
    },
  };
}

/**
 * With `--prometheus`, the demo's shift is also judged by the mesh's telemetry: the canary's
 * connection failure rate over 2 s (two of the sandbox Prometheus's 1 s scrapes), evaluated every
 * 2 s of the bake; no data (the canary's first seconds) is ignored.
 */
export function demoMetricChecks(prometheusUrl: string): Record<string, unknown> {
  return {
    prometheus: { address: prometheusUrl },
    metrics: [{ name: 'failures', template: 'tcp-connection-failure-rate', thresholdRange: { max: 0.05 }, interval: '2s', failureLimit: 1, onNoData: 'ignore' }],
  };
}

/** Long-lived connections the locality demo keeps open across every step. */
export const LOCALITY_DEMO_CONNECTIONS = 20;
/** The locality demo's bake: no drain to wait for, only the EDS merge window and the split test. */
const LOCALITY_DEMO_BAKE_MS = 5000;

/** The TCPShift the demo runs against the sandbox's echo route (strategy route) or its locality routing, judged by Prometheus too when its URL is given. */
export function demoShift(
  gateway: string,
  drainMs: number,
  options: { strategy?: 'route' | 'locality'; prometheusUrl?: string } = {},
): { shift: ResolvedShift; resource: TCPShiftResource } {
  const strategy = options.strategy ?? 'route';
  const prometheusUrl = options.prometheusUrl;
  const locality = strategy === 'locality';
  const parsed = parseTCPShiftObject(
    echoShiftDocument({
      strategy,
      schedule: { steps: [...DEMO_STEPS], bake: formatDuration(locality ? LOCALITY_DEMO_BAKE_MS : demoBakeMs(drainMs)) },
      probe: {
        address: gateway,
        identify: { mode: 'banner' },
        longLived: { connections: locality ? LOCALITY_DEMO_CONNECTIONS : 10, heartbeat: formatDuration(HEARTBEAT_MS), timeout: formatDuration(TIMEOUT_MS) },
        newConnections: { perStep: SANDBOX_SPLIT.perStep, concurrency: 20 },
      },
      analysis: {
        splitTolerance: SANDBOX_SPLIT.splitTolerance,
        splitConfidence: SANDBOX_SPLIT.splitConfidence,
        existingConnections: locality ? 'preserve' : 'tolerate-drain',
        drainDuration: formatDuration(drainMs),
        ...(prometheusUrl !== undefined ? demoMetricChecks(prometheusUrl) : {}),
      },
    }),
  );
  if (!parsed.ok) throw new Error(`the demo's own TCPShift is invalid: ${JSON.stringify(parsed.issues)}`);
  return parsed;
}

/** Switches the fault on the canary pods the first time the canary weight reaches its weight; the report marks when. */
function faultSwitch(sandbox: Sandbox, plan: DemoFaultPlan, tell: { say: (line: string) => void; mark: (marker: ReportMarker) => void; now: () => number }): ShiftObserver {
  let on = false;
  return {
    weightWritten: async (weight, purpose) => {
      if (on || purpose !== 'step' || weight < plan.atWeight) return;
      on = true;
      const { mode, options } = faultMode(plan.kind);
      await sandbox.setFault({ version: 'v2' }, mode, options);
      tell.say(`demo: fault '${plan.kind}' switched on for the v2 pods (canary at ${weight}%)`);
      tell.mark({ kind: 'fault', at: tell.now(), text: `fault ${plan.kind} on the v2 pods (canary ${weight}%)` });
    },
  };
}

const EXAMPLES = `
Examples:
  tcpshift demo                       # promotes: exit 0
  tcpshift demo --fault reset@50      # the canary resets its connections at 50 %: rolled back, exit 3
  tcpshift demo --fault blackhole -o json > report.json
  tcpshift demo --prometheus --fault refuse@50   # also judged by Istio's TCP metrics in a real Prometheus
  tcpshift demo --strategy locality   # drain-free: 20 long-lived connections survive every step

Starts the sandbox in this process (API emulator, mesh gateway, two echo pods per version, every
port on loopback), then shifts the echo service v1 -> v2 in three steps (${DEMO_STEPS.join(', ')} %) of a
few seconds each, probing through the gateway: 10 long-lived connections (heartbeat ${formatDuration(HEARTBEAT_MS)},
timeout ${formatDuration(TIMEOUT_MS)}) and 1500 new connections per step (split tolerance 0.1, confidence
0.999: a right split is called inconsistent about once in a thousand steps). --drain is the gateway's
drain duration (Istio's drainDuration); each bake is long enough to see the drain of its own step
(the reconnect wave). --fault puts a fault proxy in front of the v2 pods once the canary reaches
WEIGHT: blackhole (silent death), reset (RST; existing canary connections exist from the second
step on: reset@50), refuse, corrupt, slow (every echo 3s late). Report files as for shift.
--strategy locality shifts the sandbox's locality routing instead (VirtualService echo-locality on
port 31401, DestinationRule echo-locality's localityLbSetting.distribute): 20 long-lived
connections under existingConnections: preserve, 5s bakes, no reconnect wave.
Exit codes: 0 promoted, 3 rolled back, 4 interrupted (Ctrl-C rolls back), 2 bad flag, 1 error.`;

interface DemoFlags {
  fault?: string;
  drain: string;
  reportDir?: string;
  output: 'text' | 'json';
  strategy: 'route' | 'locality';
  prometheus?: boolean;
}

export function demoVerb(ctx: CliContext): Command {
  return new Command('demo')
    .description('Sandbox plus a short shift end to end: promotes without a fault, rolls back with one.')
    .option('--fault <kind[@weight]>', `fault on the canary pods: ${DEMO_FAULTS.join('|')}, from the step at WEIGHT (default the first)`)
    .option('--drain <duration>', "the gateway's drain duration", '2s')
    .option('--report-dir <dir>', 'where the report files go (default: ./tcpshift-reports/echo-demo-<UTC time>)')
    .addOption(new Option('--strategy <strategy>', 'route (VirtualService weights: each step drains) or locality (DestinationRule distribute: drain-free)').choices(['route', 'locality']).default('route'))
    .option('--prometheus', "also run a real Prometheus (Debian's prometheus package) scraping the gateway's Istio TCP metrics (as sandbox up --prometheus)")
    .addOption(new Option('-o, --output <format>', 'text, or json: stdout carries only the report').choices(['text', 'json']).default('text'))
    .addHelpText('after', EXAMPLES)
    .action(async (flags: DemoFlags) => {
      const fault = flags.fault === undefined ? undefined : parseDemoFault(flags.fault);
      const drainMs = parseDrain(flags.drain);
      ctx.setExitCode(await runDemo({ fault, drainMs, reportDir: flags.reportDir, output: flags.output, strategy: flags.strategy, prometheus: flags.prometheus === true }, ctx));
    });
}

interface DemoOptions {
  fault: DemoFaultPlan | undefined;
  drainMs: number;
  reportDir: string | undefined;
  output: 'text' | 'json';
  strategy: 'route' | 'locality';
  prometheus: boolean;
}

/** Where the demo's shift probes: the echo route's listener (31400) or the locality routing's (31401). */
function demoGateway(sandbox: Sandbox, strategy: 'route' | 'locality'): { address: string; gatewayPort: number } {
  const port = strategy === 'locality' ? LOCALITY_GATEWAY_PORT : sandbox.info.gateway.gatewayPort;
  const entry = sandbox.info.gateways.find((g) => g.gatewayPort === port) ?? sandbox.info.gateway;
  return { address: `${entry.host}:${entry.port}`, gatewayPort: port };
}

async function runDemo(options: DemoOptions, ctx: CliContext): Promise<number> {
  const out = options.output === 'json' ? ctx.stderr : ctx.stdout;
  const say = (line: string): void => void out.write(`${line}\n`);
  const started = ctx.clock.monotonic();
  say(`demo: starting the sandbox (gateway drain ${formatDuration(options.drainMs)})...`);
  // Pods are never deleted in the demo: a short drain grace makes stopping quick.
  const sandbox = await startSandbox({ drainMs: options.drainMs, podDrainGraceMs: 200, ...(options.prometheus ? { prometheus: {} } : {}) }).catch((error: unknown) => {
    throw error instanceof PrometheusMissingError ? new UsageError(`--prometheus: ${error.message}`) : error;
  });
  const kube = KubeClient.connect({ kubeconfig: sandbox.info.kubeconfig }, { clock: ctx.clock });
  try {
    const { address: gateway, gatewayPort } = demoGateway(sandbox, options.strategy);
    const gatewayName = options.strategy === 'locality' ? LOCALITY_GATEWAY_NAME : 'echo-gateway';
    say(`demo: sandbox up in ${((ctx.clock.monotonic() - started) / 1000).toFixed(1)}s: API ${sandbox.info.apiServer}, gateway ${gateway} (Gateway ${gatewayName} port ${gatewayPort})`);
    if (sandbox.info.prometheus) say(`demo: prometheus ${sandbox.info.prometheus.url} (ready after ${formatDuration(sandbox.info.prometheus.startupMs)}), gateway metrics ${sandbox.info.gatewayStats}`);
    // A proxy in pass mode in front of the v2 pods from the start, so a fault can reach connections already open.
    await sandbox.setFault({ version: 'v2' }, 'pass');
    const { shift, resource } = demoShift(gateway, options.drainMs, { strategy: options.strategy, ...(sandbox.info.prometheus ? { prometheusUrl: sandbox.info.prometheus.url } : {}) });
    const fault = options.fault;
    const result = await runShiftSession(
      {
        shift,
        resource,
        router: createRouter(kube, shift),
        output: options.output,
        reportDir: options.reportDir,
        onInterrupt: 'rollback',
        lockTtlMs: 15_000,
        cwd: process.cwd(),
        ...(fault ? { observer: (line: (text: string) => void, mark: (marker: ReportMarker) => void) => faultSwitch(sandbox, fault, { say: line, mark, now: () => ctx.clock.now() }) } : {}),
      },
      ctx,
    );
    printResult(result, options.output, ctx);
    return result.exitCode;
  } finally {
    kube.close();
    await sandbox.stop();
    say(`demo: sandbox stopped; done in ${((ctx.clock.monotonic() - started) / 1000).toFixed(1)}s`);
  }
}
