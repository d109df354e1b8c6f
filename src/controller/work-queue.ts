/**
 * client-go's rate-limited work queue, for one process: a key is queued at most once (adding it
 * again while queued is a no-op), never handed to two workers at once (a key added while it is
 * being processed is queued again when `done`), delayed adds keep only the earliest timer per
 * key, and `addRateLimited` backs off exponentially per key until `forget`. Every timer goes
 * through the injected Clock.
 */
import type { Clock, TimerHandle } from '../util/clock.js';

export interface WorkQueueOptions {
  clock: Clock;
  /** First delay of addRateLimited. Default 100 ms. */
  baseDelayMs?: number;
  /** Cap of addRateLimited's delay. Default 60 s. */
  maxDelayMs?: number;
}

export class WorkQueue {
  private readonly items: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly timers = new Map<string, { at: number; handle: TimerHandle }>();
  private readonly failures = new Map<string, number>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions) {}

  /** Keys waiting to be processed (delayed ones not included). */
  get length(): number {
    return this.items.length;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  add(key: string): void {
    if (this.shuttingDown) return;
    if (this.processing.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queued.add(key);
    this.items.push(key);
  }

  /** Add after `ms`; an earlier pending timer for the key wins over a later one. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.options.clock.now() + ms;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    pending?.handle.cancel();
    const handle = this.options.clock.setTimer(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    this.timers.set(key, { at, handle });
  }

  /** Add after this key's next backoff delay (100 ms, 200 ms, ... up to the cap). */
  addRateLimited(key: string): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    const delay = Math.min(this.options.maxDelayMs ?? 60_000, (this.options.baseDelayMs ?? 100) * 2 ** (failures - 1));
    this.addAfter(key, delay);
    return delay;
  }

  /** The key succeeded: its backoff starts from the beginning again. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** The next key to process (the caller must call `done`); undefined once shut down. */
  get(): Promise<string | undefined> {
    const key = this.items.shift();
    if (key !== undefined) {
      this.queued.delete(key);
      this.processing.add(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.delete(key)) this.add(key);
  }

  /** Stop handing out keys: waiting `get`s resolve undefined, timers are cancelled. */
  shutDown(): void {
    this.shuttingDown = true;
    for (const { handle } of this.timers.values()) handle.cancel();
    this.timers.clear();
    this.items.length = 0;
    this.queued.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }
}

/** Run `count` workers until the queue shuts down; each key is handled by one worker at a time. */
export async function runWorkers(queue: WorkQueue, count: number, handle: (key: string) => Promise<void>): Promise<void> {
  const worker = async (): Promise<void> => {
    for (let key = await queue.get(); key !== undefined; key = await queue.get()) {
      try {
        await handle(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: count }, worker));
}
