/**
 * Why this controller cannot take (or even read) its Lease: a missing namespace, RBAC, an API it
 * cannot reach. Every failed attempt is counted; a warning with the API error is logged at once
 * and then at most once per `intervalMs` (with the count of attempts since the last warning), so
 * a controller stuck on its Lease says so without flooding the log; `/readyz` shows `reason()`.
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';

export const LEASE_WARNING_INTERVAL_MS = 30_000;

export class LeaseTrouble {
  private error: Error | undefined;
  private since = 0;
  private failures = 0;
  private unreported = 0;
  private lastWarnedAt: number | undefined;

  constructor(
    private readonly lease: string,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly intervalMs = LEASE_WARNING_INTERVAL_MS,
  ) {}

  /** The outcome of one attempt on the Lease (LeaderElectionConfig.onAttempt). */
  attempted(error: Error | undefined): void {
    if (error) this.failed(error);
    else this.answered();
  }

  /** Why the Lease cannot be taken, for /readyz; undefined while the API answers. */
  reason(): string | undefined {
    if (!this.error) return undefined;
    return `cannot take Lease ${this.lease}: ${this.error.message} (${this.failures} failed attempts since ${new Date(this.since).toISOString()})`;
  }

  private failed(error: Error): void {
    const now = this.clock.now();
    if (!this.error) {
      this.since = now;
      this.failures = 0;
    }
    this.error = error;
    this.failures++;
    this.unreported++;
    if (this.lastWarnedAt !== undefined && now - this.lastWarnedAt < this.intervalMs) return;
    this.logger.warn('cannot take the leader election Lease: no shift is reconciled until it can', {
      lease: this.lease,
      error: error.message,
      attempts: this.unreported,
    });
    this.lastWarnedAt = now;
    this.unreported = 0;
  }

  private answered(): void {
    if (!this.error) return;
    this.logger.info('leader election Lease reachable again', { lease: this.lease, failedAttempts: this.failures });
    this.error = undefined;
    this.lastWarnedAt = undefined;
    this.unreported = 0;
  }
}
