import type net from 'node:net';
import type { Clock, TimerHandle } from '../../util/clock.js';

/**
 * One direction of a proxied connection: chunks from `source` written to `dest`, each after
 * its delay and in order; held while blackholed; with backpressure (a full `dest` pauses
 * `source`). end() forwards a FIN once everything before it is written.
 */
export class Lane {
  private readonly queue: Array<{ chunk: Buffer; dueAt: number }> = [];
  private timer: TimerHandle | undefined;
  private ending = false;
  private held = false;
  private awaitingDrain = false;
  private disposed = false;

  constructor(
    private readonly source: net.Socket,
    private readonly dest: net.Socket,
    private readonly clock: Clock,
  ) {}

  push(chunk: Buffer, delayMs: number): void {
    if (this.disposed) return;
    if (!this.held && delayMs === 0 && this.queue.length === 0) {
      this.write(chunk);
      return;
    }
    this.queue.push({ chunk, dueAt: this.clock.monotonic() + delayMs });
    this.pump();
  }

  end(): void {
    this.ending = true;
    this.pump();
  }

  /** Stop (true) or resume (false) forwarding; while held the source is paused too. */
  hold(on: boolean): void {
    this.held = on;
    if (on) {
      this.source.pause();
      this.cancelTimer();
      return;
    }
    if (!this.awaitingDrain) this.source.resume();
    this.pump();
  }

  dispose(): void {
    this.disposed = true;
    this.queue.length = 0;
    this.cancelTimer();
  }

  private pump(): void {
    if (this.held || this.disposed) return;
    this.cancelTimer();
    const now = this.clock.monotonic();
    while (this.queue.length > 0 && (this.queue[0] as { dueAt: number }).dueAt <= now) {
      this.write((this.queue.shift() as { chunk: Buffer }).chunk);
    }
    const head = this.queue[0];
    if (head) this.timer = this.clock.setTimer(() => this.pump(), head.dueAt - now);
    else if (this.ending && !this.dest.destroyed) this.dest.end();
  }

  private write(chunk: Buffer): void {
    if (this.dest.destroyed || this.dest.writableEnded) return;
    if (this.dest.write(chunk) || this.awaitingDrain) return;
    this.awaitingDrain = true;
    this.source.pause();
    this.dest.once('drain', () => {
      this.awaitingDrain = false;
      if (!this.held) this.source.resume();
    });
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }
}
