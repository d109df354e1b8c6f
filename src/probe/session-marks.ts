import type { Clock } from '../util/clock.js';
import type { SessionFailure, SessionFailureKind, SessionTimings } from './echo-session.js';

/**
 * A probe connection's timeline, shared by every kind of session: when it started, connected,
 * heard its first byte and was last seen alive; its timings; and the failure record of its end,
 * with the rule that a close or reset before the server sent anything (and before the session
 * was ready) is `refused`: a gateway with no upstream accepts and closes at once.
 */
export class SessionMarks {
  readonly startedAtEpoch: number;
  readonly startedMono: number;
  connectedMono: number | undefined;
  firstByteMono: number | undefined;
  lastAliveAt: number;

  constructor(private readonly clock: Clock) {
    this.startedAtEpoch = clock.now();
    this.lastAliveAt = this.startedAtEpoch;
    this.startedMono = clock.monotonic();
  }

  get connected(): boolean {
    return this.connectedMono !== undefined;
  }

  connect(): void {
    this.connectedMono ??= this.clock.monotonic();
    this.lastAliveAt = this.clock.now();
  }

  heard(): void {
    this.firstByteMono ??= this.clock.monotonic();
  }

  alive(): void {
    this.lastAliveAt = this.clock.now();
  }

  timings(): SessionTimings {
    const timings: SessionTimings = { startedAtEpoch: this.startedAtEpoch };
    if (this.connectedMono !== undefined) timings.connectMs = this.connectedMono - this.startedMono;
    if (this.firstByteMono !== undefined) timings.ttfbMs = this.firstByteMono - (this.connectedMono ?? this.startedMono);
    return timings;
  }

  failure(kind: SessionFailureKind, detail: string, ready: boolean, peer: Pick<SessionFailure, 'peerExcerpt' | 'received'> = {}): SessionFailure {
    const refusedEarly = !ready && this.firstByteMono === undefined && (kind === 'closed' || kind === 'reset');
    return {
      kind: refusedEarly ? 'refused' : kind,
      detail: refusedEarly ? `${detail} before the server sent anything` : detail,
      ...peer,
      at: this.clock.now(),
      lastAliveAt: this.lastAliveAt,
    };
  }
}
