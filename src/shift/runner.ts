/**
 * Drives one shift to its end from this process: observe (route weight, probes, operator
 * requests), decide (pure), act (write through the port, mark and sample through the prober),
 * and sleep until the decision's wake time or until something happens (a long-lived end is
 * pushed by the pool, so a breach is acted on at once, not at the end of the bake). A breach
 * writes canary 0 at once and retries it with backoff until it is written.
 *
 * Writes go out in the background, in order: while one is unanswered (a slow or unreachable API)
 * the runner keeps probing and deciding, so a breach is still seen and its rollback queued; it
 * warns about slow writes, and gives up at the API deadline (or soon after an interrupt), ending
 * `failed` with what was and was not written.
 */
import type { Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import { decide, failShift, type Action, type Decision, type Observation, type OperatorRequest, type RouteObservation, type WeightPurpose } from './decide.js';
import type { ShiftProber } from './prober.js';
import { noHooks, type HookPort } from './hook-port.js';
import { describe, PendingWrites, type PendingWrite } from './pending-writes.js';
import { ShiftHooks } from './shift-hooks.js';
import { isTerminal, type ShiftState } from './state.js';

/** How the runner writes: the CLI keeps the state on the route, the controller in .status. */
export interface ShiftPort {
  /** One write of the owned weights (the CLI adds the state to the same patch); the route after it. */
  writeWeight(canaryWeight: number, state: ShiftState, purpose: WeightPurpose): Promise<RouteObservation>;
  /** Write the state alone. */
  persist(state: ShiftState): Promise<void>;
  /** A write error after which nothing may be written any more (the lock was taken over, say). */
  isFatal?(error: unknown): boolean;
  /** A write error worth retrying (API unavailable) rather than giving up the step. */
  isRetryable?(error: unknown): boolean;
}

/** Operator requests (abort, rollback, pause) from wherever they come: annotations, Ctrl-C. */
export interface RequestSource {
  current(): OperatorRequest | undefined;
  onChange(listener: () => void): () => void;
}

export interface ShiftObserver {
  /** After every decision, before its actions run. */
  decided?(decision: Decision, previous: ShiftState): void;
  /** A weight write was acknowledged; the runner waits for a returned promise (the demo switches its fault on here). */
  weightWritten?(canaryWeight: number, purpose: WeightPurpose, at: number): void | Promise<void>;
  /** A write failed and will be retried. */
  writeRetry?(error: unknown, attempt: number, delayMs: number): void;
  /** A write has been out for `pendingMs` without an answer (first after 5 s, then every 15 s). */
  writePending?(what: string, pendingMs: number): void;
}

export interface ShiftRunnerOptions {
  spec: ResolvedSpec;
  state: ShiftState;
  /** The route as read before the run. */
  route: RouteObservation;
  prober: ShiftProber;
  port: ShiftPort;
  clock: Clock;
  requests?: RequestSource;
  observer?: ShiftObserver;
  logger?: Logger;
  /** Backoff of the rollback retries: first delay and cap (default 200 ms, 5 s). */
  rollbackBackoff?: { baseMs: number; maxMs: number };
  /** Give up when a write stays unanswered this long (the CLI's --api-deadline); default: never. */
  apiDeadlineMs?: number;
  /** The shift's webhooks and notifications (spec.webhooks, spec.notifications); default none. */
  hooks?: HookPort;
  /** The shift's name, for the hooks' payloads. */
  shift?: { name: string; namespace: string };
}

/** Longest sleep without a wake time: the loop re-decides at least this often. */
const IDLE_RECHECK_MS = 1000;

export class ShiftRunner {
  private state: ShiftState;
  private route: RouteObservation;
  private wakeSignal = new AbortController();
  private halted: string | undefined;
  private readonly logger: Logger;
  private readonly pending: PendingWrites;
  /** Weight writes go one after the other (a rollback queued behind a step's write). */
  private writes: Promise<void> = Promise.resolve();
  private unanswered = false;
  private readonly hooks: ShiftHooks;

  constructor(private readonly options: ShiftRunnerOptions) {
    this.state = options.state;
    this.route = options.route;
    this.logger = options.logger ?? silentLogger;
    this.pending = new PendingWrites(options.apiDeadlineMs);
    const shift = options.shift ?? { name: '', namespace: '' };
    this.hooks = new ShiftHooks({ port: options.hooks ?? noHooks, clock: options.clock, shift, spec: options.spec, wake: () => this.wake() });
  }

  /** The state now (for live progress). */
  current(): ShiftState {
    return this.state;
  }

  /** The owned weights as last acknowledged or seen. */
  currentRoute(): RouteObservation {
    return this.route;
  }

  /** The run ended because the API did not answer a write in time (nothing more can be read or written). */
  endedUnanswered(): boolean {
    return this.unanswered;
  }

  /**
   * A version of the route seen by someone following it (a watch), newer than the last write:
   * someone else's change is observed at once. What one of our own writes in flight put there
   * (committed, not yet acknowledged) is not someone else's change.
   */
  observeRoute(seen: RouteObservation): void {
    const same = seen.refusal === undefined && this.route.refusal === undefined && seen.canaryWeight === this.route.canaryWeight && seen.stableWeight === this.route.stableWeight;
    if (same || (seen.refusal === undefined && this.pending.carries(seen.canaryWeight, seen.stableWeight))) return;
    this.route = seen;
    this.wake();
  }

  /** Wait at most this long more for unanswered writes (an interrupt: say what was written and stop, rather than wait out the API deadline). */
  limitWriteWait(ms: number): void {
    this.pending.cutOff(this.options.clock.now(), ms);
    this.wake();
  }

  /** Run until the shift ends or is paused; resolves with the last state. */
  async run(): Promise<ShiftState> {
    const { prober, requests } = this.options;
    const unsubscribe = [prober.onChange(() => this.wake()), requests?.onChange(() => this.wake())];
    const started = prober.start().catch((error: unknown) => this.logger.error('probes failed to start', { error: String(error) }));
    const watchdog = this.watchPendingWrites();
    try {
      await this.loop();
    } finally {
      watchdog.cancel();
      this.hooks.cancel();
      for (const off of unsubscribe) off?.();
      await started;
    }
    return this.state;
  }

  /** Every second: warn about slow writes, and wake the loop when one is past its deadline. */
  private watchPendingWrites(): { cancel(): void } {
    const { clock } = this.options;
    const tick = (): void => {
      const now = clock.now();
      for (const write of this.pending.slow(now)) {
        const what = describe(write);
        this.options.observer?.writePending?.(what, now - write.sentAt);
        this.logger.warn(`${what} pending for ${Math.floor((now - write.sentAt) / 1000)} s (API slow or unreachable)`);
      }
      if (this.pending.overdue(now)) this.wake();
      timer = clock.setTimer(tick, 1000);
    };
    let timer = clock.setTimer(tick, 1000);
    return { cancel: () => timer.cancel() };
  }

  /**
   * Stop at once without writing anything more (this process lost its lock, say): the shift
   * ends `failed` with the reason; whoever holds the route now decides its weights.
   */
  halt(reason: string): void {
    this.halted = reason;
    this.wake();
  }

  private async loop(): Promise<void> {
    for (;;) {
      if (this.halted !== undefined) {
        this.end(this.halted);
        return;
      }
      if (this.pending.overdue(this.options.clock.now())) {
        this.unanswered = true;
        this.end(this.pending.unanswered(this.options.clock.now(), this.route));
        return;
      }
      const decision = this.decideNow();
      const acted = await this.act(decision.actions);
      if (isTerminal(this.state.phase) || this.state.phase === 'paused') return;
      if (!acted) await this.sleepUntil(decision.wakeAt);
    }
  }

  private observe(): Observation {
    const request = this.options.requests?.current();
    const inFlight = this.pending.weightsInFlight();
    const route = inFlight.length > 0 ? { ...this.route, inFlight } : this.route;
    const hooks = this.hooks.observe(this.state);
    return { route, probe: this.options.prober.status(), ...(request ? { request } : {}), ...(hooks ? { hooks } : {}) };
  }

  private decideNow(): Decision {
    const previous = this.state;
    const decision = decide(this.options.spec, previous, this.observe(), this.options.clock.now());
    this.state = decision.state;
    this.options.observer?.decided?.(decision, previous);
    this.hooks.events(decision.events, decision.state);
    for (const event of decision.events) {
      if (event.warning) this.logger.warn(event.message, { event: event.type });
      else this.logger.info(event.message, { event: event.type });
    }
    return decision;
  }

  /** Carry out the actions; true when one changed what the next observation shows. */
  private async act(actions: Action[]): Promise<boolean> {
    let changed = false;
    for (const action of actions) {
      switch (action.type) {
        case 'setWeight':
          // In the background: its acknowledgement (or failure) wakes the loop; decide goes on meanwhile.
          this.startWrite(action.canaryWeight, action.purpose);
          break;
        case 'markStep':
          this.options.prober.markStep(action.stepIndex);
          changed = true;
          break;
        case 'startSampling':
          this.options.prober.startSampling(action);
          changed = true;
          break;
        case 'stopSampling':
          this.options.prober.stopSampling();
          break;
        case 'persist':
          await this.persist();
          break;
      }
    }
    return changed;
  }

  /** Send a weight write after those already out, unless the newest one out already carries this weight. */
  private startWrite(canaryWeight: number, purpose: WeightPurpose): void {
    if (this.pending.latestWeight()?.canaryWeight === canaryWeight) return;
    const state = this.state;
    const write = this.pending.add({ kind: 'weight', canaryWeight, purpose, sentAt: this.options.clock.now() });
    this.writes = this.writes
      .then(() => this.setWeight(write, state))
      // Not an API error (those are handled in setWeight): an observer or port bug. Stop, saying so.
      .catch((error: unknown) => this.end(`weight write failed unexpectedly: ${messageOf(error)}`))
      .finally(() => {
        this.pending.remove(write);
        this.wake();
      });
  }

  /**
   * Write a weight (with the state that wants it), retrying a rollback until it is written; a
   * write that a newer one superseded (a rollback queued behind a step) stops retrying.
   */
  private async setWeight(write: PendingWrite, state: ShiftState): Promise<void> {
    const settle = this.options.prober.weightWriteSent?.(write.sentAt);
    let acknowledgedAt: number | undefined;
    try {
      acknowledgedAt = await this.writeWithRetries(write, state, write.canaryWeight as number, write.purpose as WeightPurpose);
    } finally {
      settle?.(acknowledgedAt);
    }
  }

  /** The attempts of one weight write; the acknowledgement time, or undefined when it was not written. */
  private async writeWithRetries(write: PendingWrite, state: ShiftState, canaryWeight: number, purpose: WeightPurpose): Promise<number | undefined> {
    const { port, clock } = this.options;
    for (let attempt = 1; !this.unanswered; attempt++) {
      try {
        // A retry may follow an attempt that committed without an answer: the window stays anchored at the first send.
        const sentAt = write.sentAt;
        const route = await port.writeWeight(canaryWeight, state, purpose);
        const acknowledged = { ...route, changedAt: route.changedAt ?? clock.now(), sentAt };
        await this.options.observer?.weightWritten?.(canaryWeight, purpose, acknowledged.changedAt);
        this.route = acknowledged;
        return acknowledged.changedAt;
      } catch (error) {
        if (this.unanswered || !this.pending.isLatestWeight(write)) return undefined;
        if (port.isFatal?.(error)) {
          this.end(`stopped without writing: ${messageOf(error)}`);
          return undefined;
        }
        const retry = purpose === 'rollback' ? port.isRetryable?.(error) !== false : port.isRetryable?.(error) === true && attempt < 3;
        if (!retry) {
          this.giveUp(purpose, error);
          return undefined;
        }
        const delay = this.backoff(attempt);
        this.options.observer?.writeRetry?.(error, attempt, delay);
        this.logger.warn('weight write failed; retrying', { canaryWeight, purpose, attempt, delayMs: delay, error: messageOf(error) });
        await clock.sleep(delay);
      }
    }
    return undefined;
  }

  /** A step or promotion write failed for good: roll back (cause error); a rollback that cannot be written ends the shift. */
  private giveUp(purpose: WeightPurpose, error: unknown): void {
    const now = this.options.clock.now();
    const what = purpose === 'rollback' ? 'the rollback (canary 0)' : `canary ${purpose === 'promote' ? 100 : 'weight'}`;
    const reason = `could not write ${what} to the route: ${messageOf(error)}`;
    this.logger.error(reason);
    this.state = failShift(this.options.spec, this.state, reason, now);
  }

  private end(reason: string): void {
    const now = this.options.clock.now();
    this.state = { ...this.state, phase: 'failed', reason, endedAt: now, updatedAt: now };
    this.logger.error(reason);
  }

  /** Write the state alone (after the weight writes out); the API deadline bounds the wait. */
  private async persist(): Promise<void> {
    await this.untilOverdue(this.writes);
    if (this.pending.overdue(this.options.clock.now())) return;
    const write = this.pending.add({ kind: 'state', sentAt: this.options.clock.now() });
    try {
      await this.untilOverdue(this.persistWithRetries());
    } finally {
      this.pending.remove(write);
    }
  }

  /** The promise, or nothing once a pending write is past its deadline (the loop then ends the run). */
  private async untilOverdue(work: Promise<unknown>): Promise<void> {
    const { clock } = this.options;
    for (let settled = false; !settled; ) {
      const due = this.pending.dueAt();
      if (due !== undefined && clock.now() >= due) return;
      const stop = new AbortController();
      const timer = clock.sleep(Math.max(0, Math.min(1000, (due ?? Infinity) - clock.now())), stop.signal).then(() => false, () => false);
      settled = await Promise.race([work.then(() => true, () => true), timer]);
      stop.abort();
    }
  }

  private async persistWithRetries(): Promise<void> {
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        await this.options.port.persist(this.state);
        return;
      } catch (error) {
        if (this.options.port.isFatal?.(error)) return;
        this.logger.warn('state write failed', { attempt, error: messageOf(error) });
        if (attempt < 5) await this.options.clock.sleep(this.backoff(attempt));
      }
    }
  }

  private backoff(attempt: number): number {
    const { baseMs, maxMs } = this.options.rollbackBackoff ?? { baseMs: 200, maxMs: 5000 };
    return Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  }

  private wake(): void {
    this.wakeSignal.abort();
  }

  private async sleepUntil(at: number | undefined): Promise<void> {
    const signal = this.wakeSignal.signal;
    if (!signal.aborted) {
      const now = this.options.clock.now();
      const ms = at === undefined ? IDLE_RECHECK_MS : Math.max(0, Math.min(at - now, IDLE_RECHECK_MS));
      await this.options.clock.sleep(ms, signal).catch(() => undefined);
    }
    if (signal.aborted) this.wakeSignal = new AbortController();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
