// The Reconciler in this process against the API emulator (the real TCPShift CRD installed, the
// sandbox's echo VirtualService at 100 % v1), driven step by step: scripted probers, a ManualClock
// for the engine's time, the emulator's own cache standing in for the informer.
import { readFileSync } from 'node:fs';
import { ControllerMetrics, ProbeBudget, ProbeGuard, Reconciler, type ReconcileResult } from '../../src/controller/index.js';
import { ProbeAllowlist } from '../../src/probe/index.js';
import { EventRecorder, type TCPShift } from '../../src/kube/index.js';
import { ShiftAnnotations, type HookPort, type ShiftState } from '../../src/shift/index.js';
import { packagePath } from '../../src/util/package-root.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import type { RequestRecord } from '../../src/sandbox/apiserver/index.js';
import { followRouteWeights, type RouteHistory } from './route-history.js';
import { startShiftApi, type ShiftApi } from './shift-apiserver.js';
import { ScriptedProber } from './shift-prober.js';
import { shiftDocument } from './shift-fixtures.js';

export const SHIFT_REF = { apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'demo', namespace: 'echo' };
export const KEY = 'echo/demo';

export interface StoredShift extends TCPShift {
  status?: {
    phase?: string;
    currentStep?: number;
    weights?: { stable: number; canary: number };
    observedGeneration?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastTransitionTime: string; observedGeneration?: number }>;
    steps?: Array<{ index: number; verdict: string; targetWeight: number }>;
    rollback?: { cause: string; reason: string; restoredAt?: number };
    split?: Record<string, unknown>;
    engine?: { state: ShiftState };
  };
}

export interface Harness {
  api: ShiftApi;
  clock: ManualClock;
  logger: MemoryLogger;
  probers: ScriptedProber[];
  woken: string[];
  /** Every canary weight the route went through (a watch). */
  route: RouteHistory;
  reconciler: Reconciler;
  /** A new Reconciler, as a restarted or standby controller would have (fresh sessions and probers). */
  restart(): void;
  reconcile(): Promise<ReconcileResult>;
  /** Reconcile, advancing the clock by each requeue, until `done` (at most `max` reconciles). */
  runUntil(done: (shift: StoredShift | undefined) => boolean, max?: number): Promise<void>;
  shift(): StoredShift | undefined;
  create(changes?: Record<string, unknown>): void;
  patch(body: Record<string, unknown>): void;
  annotate(request: string): void;
  /** Writes since the last reset: `verb resource[/subresource]`, in order. */
  writes(): string[];
  requests(): RequestRecord[];
  events(): Promise<Array<{ reason: string; type: string; message: string }>>;
  close(): Promise<void>;
}

/** hooks: the HookPort every shift gets (default none). */
export async function startHarness(options: { hooks?: HookPort } = {}): Promise<Harness> {
  const api = await startShiftApi();
  api.server.installCrds(readFileSync(packagePath('manifests', 'crd', 'tcpshift.io_tcpshifts.yaml'), 'utf8'));
  const clock = new ManualClock(Date.now());
  const logger = new MemoryLogger();
  const probers: ScriptedProber[] = [];
  const woken: string[] = [];
  const events = new EventRecorder({ events: api.kube.events, clock, component: 'tcpshift-controller', host: 'test' });
  const shift = (): StoredShift | undefined => {
    try {
      return api.server.objects.get(SHIFT_REF) as unknown as StoredShift;
    } catch {
      return undefined;
    }
  };
  const build = (): Reconciler =>
    new Reconciler({
      kube: api.kube,
      cache: { get: (name, namespace) => (name === SHIFT_REF.name && namespace === SHIFT_REF.namespace ? shift() : undefined) },
      createProber: () => {
        const prober = new ScriptedProber();
        probers.push(prober);
        return prober;
      },
      wake: (key) => woken.push(key),
      ...(options.hooks ? { hooksFor: () => options.hooks as HookPort } : {}),
      events,
      metrics: new ControllerMetrics(() => [], () => 0),
      probeGuard: new ProbeGuard(ProbeAllowlist.parse('127.0.0.0/8'), clock, () => Promise.resolve(['127.0.0.1'])),
      probeBudget: new ProbeBudget(10_000, (key) => woken.push(key)),
      probeCost: () => 1,
      clock,
      identity: 'test',
      statusRefreshMs: 5000,
      checkProbes: () => Promise.resolve(),
    });
  const harness: Harness = {
    api,
    clock,
    logger,
    probers,
    woken,
    route: await followRouteWeights(api.kube, 'echo', 'echo'),
    reconciler: build(),
    restart() {
      void harness.reconciler.stopAll();
      harness.reconciler = build();
    },
    reconcile: () => harness.reconciler.reconcile({ logger }, KEY),
    async runUntil(done, max = 60) {
      for (let i = 0; i < max; i++) {
        const result = await harness.reconcile();
        if (done(shift())) return;
        await clock.advance(result.requeueAfterMs ?? 1000);
      }
      throw new Error(`not done after ${max} reconciles: ${JSON.stringify(shift()?.status ?? null)}`);
    },
    shift,
    create(changes = {}) {
      api.server.objects.create(shiftDocument(changes) as never);
    },
    patch(body) {
      api.server.objects.patch(SHIFT_REF, 'merge', body);
    },
    annotate(request) {
      harness.patch({ metadata: { annotations: { [ShiftAnnotations.request]: request, [ShiftAnnotations.requestedBy]: 'tester' } } });
    },
    writes: () =>
      api.server
        .requestLog()
        .filter((r) => ['create', 'update', 'patch', 'delete'].includes(r.verb))
        .map((r) => `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`),
    requests: () => api.server.requestLog(),
    async events() {
      await events.flush();
      return api.server.objects.list('v1', 'Event', 'echo').map((e) => e as unknown as { reason: string; type: string; message: string });
    },
    async close() {
      harness.route.stop();
      await harness.reconciler.stopAll();
      await api.close();
    },
  };
  return harness;
}

/** The status phase is `phase`. */
export const phaseIs = (phase: string) => (s: StoredShift | undefined): boolean => s?.status?.phase === phase;

/** The engine bakes step `index`. */
export const bakingStep = (index: number) => (s: StoredShift | undefined): boolean => s?.status?.engine?.state.phase === 'baking' && s.status.engine.state.stepIndex === index;

export function condition(s: StoredShift | undefined, type: string): { status: string; reason?: string; message?: string; observedGeneration?: number } | undefined {
  return s?.status?.conditions?.find((c) => c.type === type);
}
