import type { KubeObject } from './types.js';

/** One committed change of one resource, as watchers see it. */
export interface StoredEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** Storage form; for DELETED the last state, carrying the deletion's resourceVersion. */
  object: KubeObject;
  /** The state before (MODIFIED, DELETED). */
  previous?: KubeObject;
  rv: number;
  /** Serialized watch lines, per (type, view, format): computed once, shared by every watcher. */
  encoded?: Map<string, string>;
}

/**
 * The last `limit` events of one resource, in resourceVersion order: a ring buffer. Everything
 * after `compactedRv` is kept, so a watch or an exact list can start from any version at or after
 * it; older versions answer 410 Gone.
 */
export class EventHistory {
  private readonly buffer: Array<StoredEvent | undefined>;
  private head = 0;
  private size = 0;
  compactedRv = 0;

  constructor(private readonly limit: number) {
    this.buffer = new Array<StoredEvent | undefined>(Math.max(1, limit));
  }

  push(event: StoredEvent): void {
    if (this.size === this.limit) {
      const evicted = this.buffer[this.head];
      if (evicted) this.compactedRv = evicted.rv;
      this.buffer[this.head] = event;
      this.head = (this.head + 1) % this.limit;
    } else {
      this.buffer[(this.head + this.size) % this.limit] = event;
      this.size++;
    }
  }

  private at(i: number): StoredEvent {
    return this.buffer[(this.head + i) % this.limit] as StoredEvent;
  }

  /** Index of the first kept event with rv > given (binary search). */
  private firstAfter(rv: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).rv > rv) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Events with rv > given, oldest first. The caller checks `covers(rv)` first. */
  since(rv: number): StoredEvent[] {
    const out: StoredEvent[] = [];
    for (let i = this.firstAfter(rv); i < this.size; i++) out.push(this.at(i));
    return out;
  }

  covers(rv: number): boolean {
    return rv >= this.compactedRv;
  }
}
