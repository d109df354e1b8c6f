import type { Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { ConflictError, NotFoundError } from './errors.js';
import {
  freshRecord,
  leaseSpecFromRecord,
  nextRecord,
  observe,
  recordFromLease,
  releasedRecord,
  type LeaderElectionRecord,
  type Observation,
} from './lease-record.js';
import type { Lease } from './objects.js';
import type { ResourceClient } from './resource-client.js';

/**
 * Lease-based leader election with client-go's semantics: candidates try every retryPeriod
 * (jittered by 1.2) to acquire a coordination.k8s.io Lease; the leader renews every retryPeriod
 * and steps down when a round of renew attempts did not succeed within renewDeadline (a hanging
 * API call included: the round is abandoned at the deadline, as client-go cancels its context); another candidate takes over once
 * leaseDuration has passed since it last saw the lease change; on shutdown the leader releases
 * the lease (holder cleared) so a successor need not wait. All waits go through the Clock.
 */
export interface LeaderElectionConfig {
  /** A lease client without its own retries (the elector retries on its schedule). */
  leases: ResourceClient<Lease>;
  name: string;
  namespace: string;
  identity: string;
  clock: Clock;
  /** Default 15 s. */
  leaseDurationMs?: number;
  /** Default 10 s; must be below leaseDuration. */
  renewDeadlineMs?: number;
  /** Default 2 s; renewDeadline must exceed 1.2 × retryPeriod. */
  retryPeriodMs?: number;
  /** Clear the holder when leadership ends by cancellation. Default true. */
  releaseOnCancel?: boolean;
  random?: () => number;
  logger?: Logger;
  /** Called when this candidate becomes leader; the signal aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void;
  /** Called when leadership ends (lost or cancelled). */
  onStoppedLeading(): void;
  /** Called when the observed leader changes (including to this candidate). */
  onNewLeader?(identity: string): void;
  /**
   * Called after each attempt on the Lease: with the API error when it failed (a missing
   * namespace, RBAC, the API unreachable; not a lost race), undefined when the API answered.
   */
  onAttempt?(error: Error | undefined): void;
}

const JITTER_FACTOR = 1.2;

export class LeaderElector {
  private observation: Observation | undefined;
  private lease: Lease | undefined;
  private reportedLeader = '';
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly logger: Logger;

  constructor(private readonly config: LeaderElectionConfig) {
    this.leaseDurationMs = config.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = config.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = config.retryPeriodMs ?? 2_000;
    this.logger = config.logger ?? silentLogger;
    if (this.leaseDurationMs <= this.renewDeadlineMs) throw new RangeError('leaseDuration must be greater than renewDeadline');
    if (this.renewDeadlineMs <= JITTER_FACTOR * this.retryPeriodMs) throw new RangeError('renewDeadline must be greater than 1.2 × retryPeriod');
    if (this.leaseDurationMs % 1000 !== 0) throw new RangeError('leaseDuration must be a whole number of seconds (Lease.spec.leaseDurationSeconds)');
    if (!config.identity) throw new RangeError('leader election identity must not be empty');
  }

  isLeader(): boolean {
    return this.observation?.record.holderIdentity === this.config.identity;
  }

  /** The holder last observed ('' when none). */
  leader(): string {
    return this.observation?.record.holderIdentity ?? '';
  }

  /**
   * Campaign until leading, lead until the lease is lost or `signal` aborts, then return
   * (after releasing the lease when cancelled). Returns at once when aborted before leading.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.acquire(signal))) return;
    const leading = new AbortController();
    const stop = (): void => leading.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      this.config.onStartedLeading(leading.signal);
      await this.renew(leading.signal);
    } finally {
      signal.removeEventListener('abort', stop);
      leading.abort();
      if (signal.aborted && (this.config.releaseOnCancel ?? true)) await this.release();
      this.config.onStoppedLeading();
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal.aborted) return false;
      if (await this.tryAcquireOrRenew()) {
        this.logger.info('acquired lease', { lease: `${this.config.namespace}/${this.config.name}`, identity: this.config.identity });
        return true;
      }
      const wait = this.retryPeriodMs * (1 + JITTER_FACTOR * (this.config.random ?? Math.random)());
      if (!(await this.sleep(wait, signal))) return false;
    }
  }

  private async renew(signal: AbortSignal): Promise<void> {
    while (await this.sleep(this.retryPeriodMs, signal)) {
      if (await this.renewWithinDeadline(signal)) continue;
      if (!signal.aborted) this.logger.warn('lost lease', { lease: `${this.config.namespace}/${this.config.name}`, identity: this.config.identity, leader: this.leader() });
      return;
    }
  }

  /**
   * One round of client-go's renew loop (tools/leaderelection/leaderelection.go,
   * `LeaderElector.renew`): attempts every retryPeriod under ONE context whose timeout is
   * renewDeadline, passed into `tryAcquireOrRenew`, so an API call that hangs is abandoned when
   * the deadline expires instead of at the transport's own timeout (30 s). False when the
   * deadline expired, another holder was seen, or `signal` aborted.
   */
  private async renewWithinDeadline(signal: AbortSignal): Promise<boolean> {
    const round = new AbortController();
    const expire = (): void => round.abort();
    const timer = this.config.clock.setTimer(expire, this.renewDeadlineMs);
    signal.addEventListener('abort', expire, { once: true });
    try {
      for (;;) {
        if (await this.attemptUntil(round.signal)) return true;
        if (round.signal.aborted || !this.observationIsMine()) return false;
        if (!(await this.sleep(this.retryPeriodMs, round.signal))) return false;
      }
    } finally {
      timer.cancel();
      signal.removeEventListener('abort', expire);
    }
  }

  /** `tryAcquireOrRenew`, given up (false) the moment `signal` aborts; a late answer is ignored. */
  private attemptUntil(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const giveUp = (): void => resolve(false);
      signal.addEventListener('abort', giveUp, { once: true });
      void this.tryAcquireOrRenew(signal).then((ok) => {
        signal.removeEventListener('abort', giveUp);
        resolve(ok);
      });
    });
  }

  private observationIsMine(): boolean {
    return this.observation === undefined || this.isLeader();
  }

  /** Resolves true after ms, false when the signal aborts first. */
  private async sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    try {
      await this.config.clock.sleep(ms, signal);
      return true;
    } catch {
      return false;
    }
  }

  private seen(fetched: LeaderElectionRecord): void {
    this.observation = observe(this.observation, fetched, this.config.clock.monotonic());
    const holder = fetched.holderIdentity;
    if (holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      if (holder) this.config.onNewLeader?.(holder);
    }
  }

  /**
   * One attempt; false on any failure (another holder, conflict, API error). Nothing it learns
   * after `signal` aborted is recorded (the caller has already given the attempt up).
   */
  private async tryAcquireOrRenew(signal?: AbortSignal): Promise<boolean> {
    const { leases, name, namespace, identity, clock } = this.config;
    const leaseSeconds = this.leaseDurationMs / 1000;
    const now = { epochMs: clock.now(), monotonicMs: clock.monotonic() };
    try {
      const current = await leases.find(name, namespace);
      if (signal?.aborted) return false;
      if (!current) {
        const record = freshRecord(identity, leaseSeconds, now.epochMs);
        const created = await leases.create({ metadata: { name, namespace }, spec: leaseSpecFromRecord(record) });
        if (signal?.aborted) return false;
        this.lease = created;
        this.seen(record);
        this.config.onAttempt?.(undefined);
        return true;
      }
      this.lease = current;
      this.seen(recordFromLease(current.spec));
      const next = nextRecord(this.observation as Observation, identity, leaseSeconds, now);
      if (next) {
        const renewed = await leases.replace({ ...current, spec: leaseSpecFromRecord(next) });
        if (signal?.aborted) return false;
        this.lease = renewed;
        this.seen(next);
      }
      this.config.onAttempt?.(undefined);
      return next !== undefined;
    } catch (e) {
      if (!(e instanceof NotFoundError)) this.logger.debug('lease attempt failed', { identity, error: (e as Error).message });
      if (!(e instanceof ConflictError)) this.config.onAttempt?.(e as Error);
      return false;
    }
  }

  /** Clear the holder so a successor can take over at once (only if still the leader). */
  private async release(): Promise<void> {
    if (!this.isLeader() || !this.lease || !this.observation) return;
    const record = releasedRecord(this.observation.record, this.config.clock.now());
    try {
      this.lease = await this.replaceHeldLease(this.lease, record);
      this.seen(record);
      this.logger.info('released lease', { lease: `${this.config.namespace}/${this.config.name}`, identity: this.config.identity });
    } catch (e) {
      this.logger.warn('could not release lease', { error: (e as Error).message });
    }
  }

  /**
   * Write `record` over the Lease. A renewal given up at the stop may still have reached the API
   * server (its answer ignored), leaving `known` one resourceVersion behind: on that conflict,
   * read the Lease again and write over it once more if this identity still holds it.
   */
  private async replaceHeldLease(known: Lease, record: LeaderElectionRecord): Promise<Lease> {
    const { leases, name, namespace, identity } = this.config;
    try {
      return await leases.replace({ ...known, spec: leaseSpecFromRecord(record) });
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      const fresh = await leases.find(name, namespace);
      if (!fresh || recordFromLease(fresh.spec).holderIdentity !== identity) throw e;
      return leases.replace({ ...fresh, spec: leaseSpecFromRecord(record) });
    }
  }
}
