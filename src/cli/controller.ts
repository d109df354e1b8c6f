import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Command, Option } from 'commander';
import { startController, type ControllerOptions, type ProbeMode } from '../controller/index.js';
import { DEFAULT_PROBE_ALLOW, PROBE_ALLOW_HELP, ProbeAllowlist } from '../probe/index.js';
import { textLogger } from '../echo/index.js';
import { jsonLogger, silentLogger, type Logger, type LogLevel } from '../util/logger.js';
import { addClusterOptions, connectCluster, type ClusterFlags } from './cluster-options.js';
import { UsageError } from './errors.js';
import { durationFlag, MAX_FLAG_WAIT_MS } from './duration-flag.js';
import { ExitCode } from './exit-codes.js';
import type { CliContext } from './io.js';

/**
 * Default --probe-budget-connections: a probe connection costs a file descriptor and ~10 KB
 * (DESIGN's 10,000 connections in a few KB each, plus buffers); 5,000 stays far below the 20,000
 * open files where the process hit EMFILE and within the Deployment's 512 MiB memory limit
 * beside the informer cache and API connections.
 */
const DEFAULT_PROBE_BUDGET = 5000;

const EXAMPLES = `
Examples:
  # Against the sandbox (tcpshift sandbox up --dir .sandbox), then kubectl apply -f a TCPShift:
  # (the sandbox's gateway listens on loopback, which --probe-allow must then list):
  tcpshift controller --kubeconfig .sandbox/kubeconfig --lease-namespace default --health-port 0 --metrics-port 0 --probe-allow 127.0.0.0/8
  # Readable logs while trying it out:
  tcpshift controller --kubeconfig .sandbox/kubeconfig --log-format text --probe-allow 127.0.0.0/8

  # As the Deployment in manifests/controller runs it (POD_NAME, POD_NAMESPACE from the downward API):
  tcpshift controller --identity $POD_NAME --metrics-port 9090 --health-port 8081

  # Gateways in istio-system and in istio-ingress, and the sandbox's loopback gateway:
  tcpshift controller --probe-allow namespace:istio-system,namespace:istio-ingress,127.0.0.0/8

Every replica watches TCPShift resources; only the holder of the Lease (--lease-name in
--lease-namespace, default $POD_NAMESPACE or tcpshift-system) shifts: it writes each step's weight
to the route, probes through spec.probe.address, keeps the engine state in .status (a standby or a
restarted controller resumes from it without repeating a step), records Events and serves
/healthz, /readyz (health port) and /metrics (metrics port). JSON logs on stdout (--log-format
text: one readable line per record), one field "shift" (namespace/name) on every line about a
shift; LOG_LEVEL=debug for more.
--probe-allow bounds where spec.probe.address may point (default ${DEFAULT_PROBE_ALLOW}: the
Services of istio-system by DNS name). A host name is resolved first and the probe connects to
the address checked; a loopback, link-local (cloud metadata) or unspecified address needs an
address entry. A TCPShift outside it fails (Degraded InvalidSpec naming spec.probe.address)
before any connection or write.
--probe-budget-connections bounds the probe connections of all shifts together (a shift costs
its longLived.connections + newConnections.concurrency): a shift that would exceed it waits
before its first write, in arrival order, with Degraded reason ProbeBudget, and starts when
another shift's probes stop. A shift already under way always gets its probes back.
--probe-mode light replaces the probes by ONE connection per step (reachability only: no
long-lived connections, no split test); it exists for the 1,000-shift benchmark.
SIGTERM/SIGINT: stop reconciling and probing, checkpoint each shift's status, release the Lease,
exit 0. Exit codes: 0 stopped by a signal, 2 bad flag, 1 failed to start (port in use, ...).`;

interface ControllerFlags extends ClusterFlags {
  identity?: string;
  namespace?: string;
  metricsPort: string;
  healthPort: string;
  leaseName: string;
  leaseNamespace?: string;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  workers: string;
  probeMode: ProbeMode;
  probeAllow: string;
  probeBudgetConnections: string;
  statusInterval: string;
  logLevel?: string;
  logFormat: 'json' | 'text';
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

function port(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new UsageError(`${flag}: '${value}' is not a port number (0..65535; 0 picks a free port)`);
  return n;
}

function duration(value: string, flag: string): number {
  return durationFlag(flag, value, { positive: true, maxMs: MAX_FLAG_WAIT_MS });
}

/** client-go's constraints on the lease timings, checked up front. */
function leaseTimings(flags: ControllerFlags): { durationMs: number; renewDeadlineMs: number; retryPeriodMs: number } {
  const durationMs = duration(flags.leaseDuration, '--lease-duration');
  const renewDeadlineMs = duration(flags.renewDeadline, '--renew-deadline');
  const retryPeriodMs = duration(flags.retryPeriod, '--retry-period');
  if (durationMs % 1000 !== 0) throw new UsageError(`--lease-duration: '${flags.leaseDuration}' must be a whole number of seconds (Lease.spec.leaseDurationSeconds)`);
  if (renewDeadlineMs >= durationMs) throw new UsageError(`--renew-deadline: '${flags.renewDeadline}' must be shorter than --lease-duration (${flags.leaseDuration})`);
  if (renewDeadlineMs <= 1.2 * retryPeriodMs) throw new UsageError(`--retry-period: '${flags.retryPeriod}' must be below --renew-deadline / 1.2`);
  return { durationMs, renewDeadlineMs, retryPeriodMs };
}

function logLevel(flags: ControllerFlags, env: NodeJS.ProcessEnv): LogLevel {
  const value = (flags.logLevel ?? env.LOG_LEVEL ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new UsageError(`${flags.logLevel !== undefined ? '--log-level' : 'LOG_LEVEL'}: '${value}' is not one of ${LOG_LEVELS.join(', ')}`);
  }
  return value as LogLevel;
}

function probeAllow(value: string): ProbeAllowlist {
  try {
    return ProbeAllowlist.parse(value);
  } catch (error) {
    throw new UsageError(`--probe-allow: ${(error as Error).message}`);
  }
}

function workers(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 256) throw new UsageError(`--workers: '${value}' is not a whole number in 1..256`);
  return n;
}

/** Up to 100,000: past the open-file limits a process gets. */
function probeBudget(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 100_000) throw new UsageError(`--probe-budget-connections: '${value}' is not a whole number in 1..100000`);
  return n;
}

function settings(flags: ControllerFlags, ctx: CliContext): Omit<ControllerOptions, 'kube' | 'logger' | 'clock'> & { level: LogLevel } {
  const identity = flags.identity ?? ctx.env.POD_NAME ?? `${os.hostname()}-${randomBytes(3).toString('hex')}`;
  if (identity.trim() === '') throw new UsageError('--identity: must not be empty (default: $POD_NAME, else the host name)');
  return {
    identity,
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    lease: { name: flags.leaseName, namespace: flags.leaseNamespace ?? ctx.env.POD_NAMESPACE ?? 'tcpshift-system', ...leaseTimings(flags) },
    workers: workers(flags.workers),
    probeMode: flags.probeMode,
    probeAllow: probeAllow(flags.probeAllow),
    probeBudgetConnections: probeBudget(flags.probeBudgetConnections),
    statusRefreshMs: duration(flags.statusInterval, '--status-interval'),
    healthPort: port(flags.healthPort, '--health-port'),
    metricsPort: port(flags.metricsPort, '--metrics-port'),
    level: logLevel(flags, ctx.env),
  };
}

export function controllerVerb(ctx: CliContext): Command {
  const command = new Command('controller')
    .description('Run the in-cluster controller: TCPShift resources shifted by the Lease holder, status, Events, metrics.')
    .option('--identity <name>', 'leader election identity (default: $POD_NAME, else host name + random)')
    .option('-n, --namespace <namespace>', 'watch TCPShifts of this namespace only (default: all namespaces)')
    .option('--metrics-port <port>', 'Prometheus /metrics port (0: any free port)', '9090')
    .option('--health-port <port>', '/healthz and /readyz port (0: any free port)', '8081')
    .option('--lease-name <name>', 'name of the leader election Lease', 'tcpshift-controller')
    .option('--lease-namespace <namespace>', 'namespace of the Lease (default: $POD_NAMESPACE, else tcpshift-system)')
    .option('--lease-duration <duration>', 'how long a standby waits after the last renewal before taking over (whole seconds)', '15s')
    .option('--renew-deadline <duration>', 'how long the leader tries to renew before it steps down', '10s')
    .option('--retry-period <duration>', 'interval of lease attempts and renewals', '2s')
    .option('--workers <n>', 'TCPShifts reconciled in parallel', '8')
    .addOption(new Option('--probe-mode <mode>', 'full: the real probes; light: one connection per step (benchmark only)').choices(['full', 'light']).default('full'))
    .option('--probe-allow <list>', `where probes may connect: ${PROBE_ALLOW_HELP}`, DEFAULT_PROBE_ALLOW)
    .option('--probe-budget-connections <n>', 'probe connections of all shifts together; shifts beyond it wait (ProbeBudget) before their first write', String(DEFAULT_PROBE_BUDGET))
    .option('--status-interval <duration>', "how often a baking shift's status.split and status.probes (probe counters) are refreshed at most", '5s')
    .option('--log-level <level>', 'debug, info, warn or error (default: $LOG_LEVEL, else info)')
    .addOption(new Option('--log-format <format>', 'json (pino lines, for log collectors) or text (one readable line per record)').choices(['json', 'text']).default('json'));
  addClusterOptions(command);
  return command.addHelpText('after', EXAMPLES).action(async (flags: ControllerFlags) => {
    const { level, ...options } = settings(flags, ctx);
    const kube = connectCluster(flags, ctx);
    const logger = controllerLogger(flags.logFormat, level, ctx);
    try {
      const controller = await startController({ ...options, kube, logger, clock: ctx.clock });
      await untilAborted(ctx.interrupts);
      logger.info('signal received', { reason: ctx.interrupts.reason instanceof Error ? ctx.interrupts.reason.message : 'interrupted' });
      await controller.stop();
      ctx.setExitCode(ExitCode.Ok);
    } finally {
      kube.close();
    }
  });
}

/** JSON lines by default (container logs); text: `2026-12-06T20:01:02.000Z INFO leading ... shift=echo/demo`. */
function controllerLogger(format: 'json' | 'text', level: LogLevel, ctx: CliContext): Logger {
  if (format === 'json') return jsonLogger(level, ctx.stdout);
  return level === 'silent' ? silentLogger : textLogger(ctx.stdout, ctx.clock, level);
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
