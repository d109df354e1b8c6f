/**
 * The controller's Prometheus metrics, on a Registry of its own (never prom-client's global one).
 * Shifts by phase are counted from the informer's cache at scrape time, so a standby reports
 * them too; the rest is what this process did while leading.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { END_KINDS, NEW_CONNECTION_FAILURE_KINDS, type EndKind, type NewConnectionsBlock } from '../probe/index.js';
import { PHASES } from '../spec/phase.js';
import type { RollbackCause, WeightPurpose } from '../shift/index.js';

export interface ShiftGaugeLabels {
  namespace: string;
  name: string;
}

export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly canaryWeight: Gauge<'namespace' | 'name'>;
  private readonly currentStep: Gauge<'namespace' | 'name'>;
  private readonly probeOutcomes: Counter<'probe' | 'outcome'>;
  private readonly detection: Histogram;
  private readonly rollbackSeconds: Histogram<'cause'>;
  private readonly rollbacks: Counter<'cause'>;
  private readonly reconciles: Counter<'result'>;
  private readonly reconcileErrors: Counter;
  private readonly reconcileSeconds: Histogram;
  private readonly routeWrites: Counter<'purpose'>;
  private readonly leader: Gauge;
  private readonly eventsDropped: Counter<'reason'>;

  constructor(phasesNow: () => Iterable<string | undefined>, queueDepth: () => number) {
    const registers = [this.registry];
    new Gauge({
      name: 'tcpshift_shifts',
      help: 'TCPShift resources by status.phase (Unknown: no status yet).',
      labelNames: ['phase'],
      registers,
      collect() {
        const counts = new Map<string, number>([...PHASES, 'Unknown'].map((p) => [p, 0]));
        for (const phase of phasesNow()) counts.set(phase ?? 'Unknown', (counts.get(phase ?? 'Unknown') ?? 0) + 1);
        for (const [phase, n] of counts) this.set({ phase }, n);
      },
    });
    this.canaryWeight = new Gauge({ name: 'tcpshift_canary_weight', help: 'Canary weight (percent) of each shift this controller runs.', labelNames: ['namespace', 'name'], registers });
    this.currentStep = new Gauge({ name: 'tcpshift_current_step', help: 'Current step (1-based; 0 before the first) of each shift this controller runs.', labelNames: ['namespace', 'name'], registers });
    this.probeOutcomes = new Counter({
      name: 'tcpshift_probe_outcomes_total',
      help: 'Probe results: long-lived connection ends by kind (probe="long-lived"), and new connections by outcome at the end of each step (probe="new").',
      labelNames: ['probe', 'outcome'],
      registers,
    });
    this.detection = new Histogram({
      name: 'tcpshift_probe_detection_seconds',
      help: 'Silent death of a long-lived probe connection: time from its last echo to detection.',
      buckets: [0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30],
      registers,
    });
    this.rollbackSeconds = new Histogram({
      name: 'tcpshift_rollback_duration_seconds',
      help: 'From the breach (or request) being seen to canary 0 acknowledged by the API.',
      labelNames: ['cause'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.rollbacks = new Counter({ name: 'tcpshift_rollbacks_total', help: 'Shifts rolled back to stable, by cause (breach, operator, error).', labelNames: ['cause'], registers });
    this.reconciles = new Counter({ name: 'tcpshift_reconcile_total', help: 'Reconciles, by result (ok, error, requeue).', labelNames: ['result'], registers });
    this.reconcileErrors = new Counter({ name: 'tcpshift_reconcile_errors_total', help: 'Reconciles that failed (retried with backoff unless terminal).', registers });
    this.reconcileSeconds = new Histogram({ name: 'tcpshift_reconcile_duration_seconds', help: 'Duration of one reconcile.', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers });
    this.routeWrites = new Counter({ name: 'tcpshift_route_writes_total', help: 'Weight writes to VirtualServices / TCPRoutes, by purpose (step, promote, rollback).', labelNames: ['purpose'], registers });
    this.leader = new Gauge({ name: 'tcpshift_leader', help: '1 while this process holds the leader Lease.', registers });
    this.eventsDropped = new Counter({ name: 'tcpshift_events_dropped_total', help: 'Kubernetes Events not recorded because too many were waiting to be written.', labelNames: ['reason'], registers });
    new Gauge({ name: 'tcpshift_work_queue_depth', help: 'TCPShift keys waiting for a reconcile.', registers, collect() { this.set(queueDepth()); } });
    for (const kind of END_KINDS) this.probeOutcomes.inc({ probe: 'long-lived', outcome: kind }, 0);
    for (const cause of ['breach', 'operator', 'error']) this.rollbacks.inc({ cause }, 0);
    this.reconcileErrors.inc(0);
  }

  /** The probe budget, read at scrape time: connections in use and the capacity, shifts waiting. */
  watchProbeBudget(budget: { readonly inUse: number; readonly capacity: number; readonly waiting: number }): void {
    const registers = [this.registry];
    new Gauge({
      name: 'tcpshift_probe_budget_connections',
      help: 'Probe connections of all shifts: state="in_use" (held by running shifts), state="capacity" (--probe-budget-connections).',
      labelNames: ['state'],
      registers,
      collect() {
        this.set({ state: 'in_use' }, budget.inUse);
        this.set({ state: 'capacity' }, budget.capacity);
      },
    });
    new Gauge({ name: 'tcpshift_probe_budget_waiting_shifts', help: 'Shifts waiting (ProbeBudget) for probe connections before their first write.', registers, collect() { this.set(budget.waiting); } });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  shift(labels: ShiftGaugeLabels, canaryWeight: number | undefined, stepIndex: number): void {
    if (canaryWeight !== undefined) this.canaryWeight.set({ ...labels }, canaryWeight);
    this.currentStep.set({ ...labels }, Math.max(0, stepIndex + 1));
  }

  forgetShift(labels: ShiftGaugeLabels): void {
    this.canaryWeight.remove({ ...labels });
    this.currentStep.remove({ ...labels });
  }

  longLivedEnd(kind: EndKind, detectionMs: number | undefined): void {
    this.probeOutcomes.inc({ probe: 'long-lived', outcome: kind });
    if (kind === 'timeout' && detectionMs !== undefined) this.detection.observe(detectionMs / 1000);
  }

  /** A finished step's new connections. */
  newConnections(block: NewConnectionsBlock): void {
    if (block.succeeded > 0) this.probeOutcomes.inc({ probe: 'new', outcome: 'ok' }, block.succeeded);
    for (const kind of NEW_CONNECTION_FAILURE_KINDS) {
      const n = block.failuresByKind[kind];
      if (n > 0) this.probeOutcomes.inc({ probe: 'new', outcome: kind }, n);
    }
  }

  rolledBack(cause: RollbackCause, detectionToRestoreMs: number | undefined): void {
    this.rollbacks.inc({ cause });
    if (detectionToRestoreMs !== undefined) this.rollbackSeconds.observe({ cause }, detectionToRestoreMs / 1000);
  }

  routeWrite(purpose: WeightPurpose): void {
    this.routeWrites.inc({ purpose });
  }

  reconciled(result: 'ok' | 'error' | 'requeue', seconds: number): void {
    this.reconciles.inc({ result });
    if (result === 'error') this.reconcileErrors.inc();
    this.reconcileSeconds.observe(seconds);
  }

  eventDropped(reason: string): void {
    this.eventsDropped.inc({ reason });
  }

  leading(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
  }
}
