/**
 * One notification endpoint's outbox: messages are sent one at a time, in order, by the HTTP
 * helper (timeout and retries per attempt); the shift never waits for them. When the endpoint is
 * slower than the events, at most `limit` messages wait and newer ones are dropped and counted
 * (a dropped message is an info or warn about a transition the next one supersedes; the shift's
 * verdict never depends on any of them). Failures and drops are logged once per minute.
 */
import type { Clock } from '../util/clock.js';
import { postJson, type PostOutcome, type PostRequest } from './http-post.js';
import type { ThrottledLog } from './throttled-log.js';

export interface QueueOptions {
  /** The notification's name, in log lines. */
  name: string;
  clock: Clock;
  log: ThrottledLog;
  limit: number;
  /** The request without its body: url, timeout, retries, secret. */
  request: Omit<PostRequest, 'body'>;
  /** The HTTP helper (tests may slow it; production posts). */
  post?: typeof postJson;
}

export interface QueueCounts {
  sent: number;
  failed: number;
  dropped: number;
}

export class NotificationQueue {
  private readonly pending: string[] = [];
  private readonly abort = new AbortController();
  private sending: Promise<void> | undefined;
  readonly counts: QueueCounts = { sent: 0, failed: 0, dropped: 0 };

  constructor(private readonly options: QueueOptions) {}

  /** Queue a body to send; never blocks, never throws. */
  push(body: string): void {
    if (this.abort.signal.aborted) return;
    if (this.pending.length >= this.options.limit) {
      this.counts.dropped += 1;
      this.options.log.warn(`${this.options.name}:dropped`, `notification ${this.options.name}: endpoint slower than the events, message dropped`, { notification: this.options.name, dropped: this.counts.dropped });
      return;
    }
    this.pending.push(body);
    this.sending ??= this.drain().finally(() => {
      this.sending = undefined;
    });
  }

  /** Resolves when nothing waits or is being sent. */
  async idle(): Promise<void> {
    while (this.sending) await this.sending;
  }

  /** Give up what waits (counted as dropped) and end the send in progress at once. */
  close(): void {
    this.counts.dropped += this.pending.length;
    this.pending.length = 0;
    this.abort.abort();
  }

  private async drain(): Promise<void> {
    for (let body = this.pending.shift(); body !== undefined; body = this.pending.shift()) {
      const outcome = await (this.options.post ?? postJson)({ ...this.options.request, body }, { clock: this.options.clock, signal: this.abort.signal });
      this.record(outcome);
    }
  }

  private record(outcome: PostOutcome): void {
    if (outcome.ok) {
      this.counts.sent += 1;
      return;
    }
    this.counts.failed += 1;
    if (outcome.error === 'aborted') return;
    this.options.log.warn(`${this.options.name}:failed`, `notification ${this.options.name} not delivered: ${outcome.error ?? 'no answer'}`, {
      notification: this.options.name,
      attempts: outcome.attempts,
      failed: this.counts.failed,
    });
  }
}
