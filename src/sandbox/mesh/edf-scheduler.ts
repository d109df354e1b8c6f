/**
 * Envoy's earliest-deadline-first scheduler (envoy source/common/upstream/edf_scheduler.h
 * `EdfScheduler`), which picks localities under locality-weighted load balancing: each entry's
 * next deadline is the current time + 1 / weight, the earliest deadline wins (ties: the entry
 * added first), and the scheduler's time moves to it. Over any run of picks each entry's share is
 * its weight over the sum, within one pick. Envoy starts it after a random number of picks
 * (`createWithPicks`); this one starts at its first entry.
 */
interface Entry<T> {
  item: T;
  weight: number;
  deadline: number;
  order: number;
}

export class EdfScheduler<T> {
  private readonly entries: Array<Entry<T>> = [];
  private now = 0;
  private added = 0;

  /** Entries with weight <= 0 are never picked. */
  constructor(weighted: ReadonlyArray<{ item: T; weight: number }>) {
    for (const { item, weight } of weighted) {
      if (weight > 0) this.entries.push({ item, weight, deadline: 1 / weight, order: this.added++ });
    }
  }

  get size(): number {
    return this.entries.length;
  }

  pick(): T | undefined {
    let best: Entry<T> | undefined;
    for (const e of this.entries) {
      if (!best || e.deadline < best.deadline || (e.deadline === best.deadline && e.order < best.order)) best = e;
    }
    if (!best) return undefined;
    this.now = best.deadline;
    best.deadline = this.now + 1 / best.weight;
    best.order = this.added++;
    return best.item;
  }
}
