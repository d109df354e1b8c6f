/**
 * One CLI shift (or resume) from this process: take the route's lock, run the engine with the
 * real probes, follow the route for operator requests, renew the lock, show progress, write the
 * report files and return the exit code. Shared by `shift`, `resume` and `demo`.
 */
import { randomBytes } from 'node:crypto';
import { defaultReportDir, writeReportFiles, type ReportFiles, type ReportMarker, type ShiftReport } from '../report/index.js';
import type { MetadataChanges, RouteSnapshot, TrafficRouter } from '../router/index.js';
import {
  acquireChange,
  AnnotationStatePort,
  buildReport,
  holderIdentity,
  initialState,
  LockHeldError,
  phaseOf,
  planWarnings,
  probesAnnotation,
  reconnectPlan,
  RequestTracker,
  resumeState,
  ShiftRunner,
  createShiftProber,
  withMetricChecks,
  UnfinishedShiftError,
  type ShiftObserver,
  type ShiftState,
} from '../shift/index.js';
import { NotFoundError } from '../kube/index.js';
import { formatAddress } from '../probe/index.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import { RoutingError } from '../spec/routing-error.js';
import { formatDuration } from '../util/duration.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { NotificationEndpoint, WebhookKeys } from '../hooks/index.js';
import { UsageError } from './errors.js';
import { ExitCode, exitCodeOfPhase } from './exit-codes.js';
import type { CliContext } from './io.js';
import { localProcesses } from './process-probe.js';
import { followRoute } from './route-follower.js';
import { EVENT_DELIVERY_GRACE_MS } from '../hooks/index.js';
import { sessionHooks } from './shift-hooks.js';
import { ShiftProgress } from './shift-progress.js';

export interface SessionOptions {
  shift: ResolvedShift;
  /** The TCPShift document as run, kept on the route for `resume NAME`. */
  resource: unknown;
  router: TrafficRouter;
  output: 'text' | 'json';
  reportDir?: string;
  onInterrupt: 'rollback' | 'pause';
  lockTtlMs: number;
  /** Give up when a route write stays unanswered this long (--api-deadline; default 2 min). */
  apiDeadlineMs?: number;
  /** Resume this stored state instead of starting afresh. */
  resume?: ShiftState;
  /** The route as the pre-flight read it (else it is read here). */
  current?: RouteSnapshot;
  /** Start again from stable: the lock's write also sets canary 0 (`shift --restart`). */
  restart?: boolean;
  /** More observation hooks (the demo switches its fault on at a weight); `line` prints above the live view, `mark` adds a marker to the report (and its timeline). */
  observer?: (line: (text: string) => void, mark: (marker: ReportMarker) => void) => ShiftObserver;
  /** The signing keys of spec.webhooks (readShiftWebhookKeys, before anything is written). */
  webhookKeys?: WebhookKeys;
  /** Where spec.notifications go (readNotificationEndpoints, before anything is written). */
  notifications?: NotificationEndpoint[];
  cwd: string;
  logger?: Logger;
}

export interface SessionResult {
  exitCode: number;
  report: ShiftReport;
  files: ReportFiles;
}

/** Exit code of a finished (or paused) state: DESIGN section 3. */
export function exitCodeFor(state: ShiftState): number {
  return exitCodeOfPhase(phaseOf(state), state.rollback?.cause) ?? ExitCode.Error;
}

/** Read and check the route before anything is written: a route tcpshift cannot shift is bad input. */
export async function readRouteForShift(router: TrafficRouter, shift: ResolvedShift): Promise<RouteSnapshot> {
  try {
    const snapshot = await router.read();
    for (const weight of shift.spec.schedule.steps) router.validateWeight(snapshot, weight);
    router.validateWeight(snapshot, 0);
    return snapshot;
  } catch (error) {
    if (error instanceof NotFoundError) throw new UsageError(`${router.description} not found: spec.target names a route that does not exist`);
    if (error instanceof RoutingError) throw new UsageError(`${router.description} cannot be shifted: ${error.message}`);
    throw error;
  }
}

export async function runShiftSession(options: SessionOptions, ctx: CliContext): Promise<SessionResult> {
  const { shift, router } = options;
  const spec = shift.spec;
  const current = options.current ?? (await readRouteForShift(router, shift));
  const identity = holderIdentity(localProcesses.hostname, process.pid, randomBytes(3).toString('hex'));
  const now = ctx.clock.now();
  const state = options.resume ? resumeState(options.resume, now) : initialState(now, planWarnings(spec));
  const acquired = await acquire(options, current, { identity, state, now });
  const progress = new ShiftProgress(options.output === 'json' ? ctx.stderr : ctx.stdout, ctx, spec, shift);
  const port = new AnnotationStatePort({ router, identity, ttlMs: options.lockTtlMs, clock: ctx.clock, stepCount: spec.schedule.steps.length, basis: acquired });
  const prober = withMetricChecks(createShiftProber(spec, ctx.clock), shift, ctx.clock);
  const hooks = sessionHooks(shift, options.webhookKeys, { clock: ctx.clock, logger: options.logger ?? silentLogger, print: (text) => progress.stamped(text) }, options.notifications);
  const markers: ReportMarker[] = [];
  const requests = new RequestTracker(ctx.interrupts, options.onInterrupt === 'pause' ? 'pause' : 'abort');
  const runner = new ShiftRunner({
    spec,
    state,
    route: { canaryWeight: acquired.weights.canary, stableWeight: acquired.weights.stable, shape: acquired.shape },
    prober,
    port,
    clock: ctx.clock,
    requests,
    observer: combine(progress, options.observer?.((text) => progress.line(text), (marker) => markers.push(marker))),
    logger: options.logger ?? silentLogger,
    apiDeadlineMs: options.apiDeadlineMs ?? DEFAULT_API_DEADLINE_MS,
    hooks: hooks.port,
    shift: { name: shift.name, namespace: shift.namespace },
  });
  // An interrupt does not wait out the API deadline for writes the API does not answer.
  ctx.interrupts.addEventListener('abort', () => runner.limitWriteWait(INTERRUPT_WRITE_WAIT_MS), { once: true });
  let runnerDone = false;
  const stopWatch = await router.watch(followRoute({ router, port, runner, requests, identity, done: () => runnerDone }), { clock: ctx.clock });
  progress.begin(header(shift, router, state, acquired, options.resume !== undefined), state, prober, acquired.weights.canary);
  const published = (): MetadataChanges => probesAnnotation(prober.counters(), prober.status().stepIndex ?? -1, ctx.clock.now());
  const renewal = renewLock(port, options.lockTtlMs, ctx, published, (reason) => runner.halt(reason));
  let final: ShiftState;
  try {
    final = await runner.run();
  } finally {
    runnerDone = true;
    renewal.cancel();
    await hooks.port.close(EVENT_DELIVERY_GRACE_MS);
    progress.finish();
    // The watch's stop waits for a list in flight: not for long when the API does not answer.
    await within(stopWatch(), runner.endedUnanswered() ? 2000 : Infinity, ctx);
    await prober.stop();
  }
  if (runner.endedUnanswered()) final = { ...final, reason: `${final.reason ?? ''}; ${howToFinish(shift)}` };
  const built = buildReport(final, {
    name: shift.name,
    namespace: shift.namespace,
    target: router.description,
    schedule: spec.schedule,
    finalWeights: runner.endedUnanswered() ? lastKnownWeights(runner) : await finalWeights(router, runner),
    now: ctx.clock.now(),
  });
  const calls = hooks.calls();
  const report = { ...built, ...(markers.length > 0 && { markers }), ...(calls && { hooks: calls }) };
  const files = await writeReportFiles(options.reportDir ?? defaultReportDir(options.cwd, shift.namespace, shift.name, report.startedAt), report);
  return { exitCode: exitCodeFor(final), report, files };
}

async function acquire(options: SessionOptions, current: RouteSnapshot, take: { identity: string; state: ShiftState; now: number }): Promise<RouteSnapshot> {
  const { shift, router } = options;
  try {
    const result = await router.update(
      (snapshot) => ({
        ...acquireChange(snapshot, {
          mode: options.resume ? 'resume' : 'start',
          name: shift.name,
          identity: take.identity,
          ttlMs: options.lockTtlMs,
          now: take.now,
          state: take.state,
          stepCount: shift.spec.schedule.steps.length,
          resource: options.resource,
          local: localProcesses,
        }),
        ...(options.restart ? { canaryWeight: 0 } : {}),
      }),
      { basis: current },
    );
    return result.snapshot;
  } catch (error) {
    if (error instanceof LockHeldError || error instanceof UnfinishedShiftError) throw new UsageError(error.message);
    throw error;
  }
}

function header(shift: ResolvedShift, router: TrafficRouter, state: ShiftState, route: RouteSnapshot, resuming: boolean): string[] {
  const spec = shift.spec;
  const first = spec.schedule.steps[0] ?? 0;
  const already =
    !resuming && route.weights.canary > 0
      ? [`! the route still sends ${Math.round(route.weights.share * 100)}% of new connections to the canary; step 1 moves it to ${first}%`]
      : [];
  const versions = spec.provider === 'istio' ? `${spec.stable.subset} -> ${spec.canary.subset}` : `${spec.stable.service} -> ${spec.canary.service}`;
  const { longLived, newConnections } = spec.probe;
  return [
    `tcpshift ${resuming ? 'resume' : 'shift'} ${shift.namespace}/${shift.name}: ${router.description}, ${versions}, ` +
      `steps ${spec.schedule.steps.map((w) => `${w}%`).join(' -> ')}, bake ${formatDuration(spec.schedule.bakeMs)}`,
    `probes via ${formatAddress(spec.probe.address)}: ${longLived.connections} long-lived (heartbeat ${formatDuration(longLived.heartbeatMs)}, ` +
      `timeout ${formatDuration(longLived.timeoutMs)}), ${newConnections.perStep} new connections per step`,
    `plan: ${reconnectPlan(spec)}`,
    ...state.warnings.map((w) => `! ${w}`),
    ...already,
  ];
}

/** Renew the lock every third of its lifetime, publishing the probe counters with it; losing it halts the runner at once. */
function renewLock(port: AnnotationStatePort, ttlMs: number, ctx: CliContext, published: () => MetadataChanges, halt: (reason: string) => void): { cancel(): void } {
  let timer = ctx.clock.setTimer(tick, ttlMs / 3);
  let cancelled = false;
  function tick(): void {
    port.renew(published()).then(
      () => undefined,
      (error: unknown) => {
        if (port.isFatal(error)) halt(error instanceof Error ? error.message : String(error));
      },
    ).finally(() => {
      if (!cancelled) timer = ctx.clock.setTimer(tick, ttlMs / 3);
    });
  }
  return {
    cancel: () => {
      cancelled = true;
      timer.cancel();
    },
  };
}

/** Default of --api-deadline. */
export const DEFAULT_API_DEADLINE_MS = 120_000;
/** After an interrupt, how long unanswered writes are still waited for before saying what was and was not written. */
const INTERRUPT_WRITE_WAIT_MS = 10_000;

async function finalWeights(router: TrafficRouter, runner: ShiftRunner): Promise<{ stable: number; canary: number }> {
  try {
    const { weights } = await router.read();
    return { stable: weights.stable, canary: weights.canary };
  } catch {
    return lastKnownWeights(runner);
  }
}

/** The owned weights as last acknowledged or seen by the run. */
function lastKnownWeights(runner: ShiftRunner): { stable: number; canary: number } {
  const route = runner.currentRoute();
  return { stable: route.stableWeight, canary: route.canaryWeight };
}

function howToFinish(shift: ResolvedShift): string {
  const ref = `${shift.name} -n ${shift.namespace}`;
  return `when the API answers again: tcpshift status ${ref}, then tcpshift rollback ${ref} (or tcpshift resume ${ref} once this process's lock has expired)`;
}

/** The promise, or nothing more after ms. */
async function within(work: Promise<unknown>, ms: number, ctx: CliContext): Promise<void> {
  if (!Number.isFinite(ms)) {
    await work;
    return;
  }
  const stop = new AbortController();
  await Promise.race([work.catch(() => undefined), ctx.clock.sleep(ms, stop.signal).catch(() => undefined)]);
  stop.abort();
}

function combine(...observers: Array<ShiftObserver | undefined>): ShiftObserver {
  const list = observers.filter((o): o is ShiftObserver => o !== undefined);
  return {
    decided: (decision, previous) => list.forEach((o) => o.decided?.(decision, previous)),
    weightWritten: async (weight, purpose, at) => {
      for (const o of list) await o.weightWritten?.(weight, purpose, at);
    },
    writeRetry: (error, attempt, delay) => list.forEach((o) => o.writeRetry?.(error, attempt, delay)),
    writePending: (what, pendingMs) => list.forEach((o) => o.writePending?.(what, pendingMs)),
  };
}
