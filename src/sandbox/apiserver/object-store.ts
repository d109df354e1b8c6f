import { EventHistory, type StoredEvent } from './event-history.js';
import type { KubeObject } from './types.js';

export type EventSink = (event: StoredEvent) => void;

/** All objects of one stored resource, its recent history, and its live subscribers. */
class ResourceTable {
  readonly objects = new Map<string, KubeObject>();
  readonly sinks = new Set<EventSink>();
  readonly history: EventHistory;
  constructor(historyLimit: number) {
    this.history = new EventHistory(historyLimit);
  }
}

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/**
 * The emulator's etcd: one global, monotonically increasing resourceVersion shared by every
 * resource (as etcd's revision), objects kept per resource in a Map (O(1) writes), and each
 * committed change pushed synchronously to that resource's subscribers. Objects handed in and out
 * are never mutated afterwards: writers replace, they do not edit in place.
 */
export class ObjectStore {
  private revisionCounter: number;
  private readonly tables = new Map<string, ResourceTable>();
  /** Resources dropped once: a new table must not pretend to hold their old history. */
  private readonly dropped = new Set<string>();

  constructor(
    private readonly historyLimit: number,
    startRevision = 1,
  ) {
    this.revisionCounter = startRevision;
  }

  revision(): number {
    return this.revisionCounter;
  }

  private table(key: string): ResourceTable {
    let t = this.tables.get(key);
    if (!t) {
      t = new ResourceTable(this.historyLimit);
      if (this.dropped.has(key)) t.history.compactedRv = this.revisionCounter;
      this.tables.set(key, t);
    }
    return t;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.tables.get(resource)?.objects.get(objectKey(namespace, name));
  }

  /** Objects of a resource (in one namespace when given), ordered by namespace/name as etcd keys are. */
  list(resource: string, namespace?: string): Array<[string, KubeObject]> {
    const t = this.tables.get(resource);
    if (!t) return [];
    const prefix = namespace === undefined ? undefined : `${namespace}/`;
    const entries = [...t.objects.entries()].filter(([k]) => prefix === undefined || k.startsWith(prefix));
    return entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Whether any object of any resource lives in the namespace. */
  namespaceInUse(namespace: string): boolean {
    const prefix = `${namespace}/`;
    for (const t of this.tables.values()) for (const k of t.objects.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  resources(): string[] {
    return [...this.tables.keys()];
  }

  /** Commit a create or an update: assigns the next resourceVersion and notifies subscribers. */
  put(resource: string, object: KubeObject): KubeObject {
    const t = this.table(resource);
    const key = objectKey(object.metadata.namespace, object.metadata.name ?? '');
    const previous = t.objects.get(key);
    const rv = ++this.revisionCounter;
    const stored: KubeObject = { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
    t.objects.set(key, stored);
    this.emit(t, previous ? { type: 'MODIFIED', object: stored, previous, rv } : { type: 'ADDED', object: stored, rv });
    return stored;
  }

  /** Remove an object; the DELETED event carries a new resourceVersion, as the real server's does. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const t = this.tables.get(resource);
    const key = objectKey(namespace, name);
    const previous = t?.objects.get(key);
    if (!t || !previous) return undefined;
    t.objects.delete(key);
    const rv = ++this.revisionCounter;
    const last: KubeObject = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(rv) } };
    this.emit(t, { type: 'DELETED', object: last, previous, rv });
    return last;
  }

  private emit(t: ResourceTable, event: StoredEvent): void {
    t.history.push(event);
    for (const sink of t.sinks) sink(event);
  }

  /** Oldest resourceVersion a watch or exact list of this resource may still start from. */
  compactedRevision(resource: string): number {
    return this.tables.get(resource)?.history.compactedRv ?? 0;
  }

  /**
   * Events after `fromRv` (replayed to the sink at once, in order), then every new one, until the
   * returned function is called. Returns undefined when `fromRv` is older than the kept history.
   */
  subscribe(resource: string, fromRv: number | undefined, sink: EventSink): (() => void) | undefined {
    const t = this.table(resource);
    if (fromRv !== undefined) {
      if (!t.history.covers(fromRv)) return undefined;
      for (const event of t.history.since(fromRv)) sink(event);
    }
    t.sinks.add(sink);
    return () => {
      t.sinks.delete(sink);
    };
  }

  /**
   * The objects as they were at `rv` (an exact snapshot), rebuilt by undoing the kept events
   * after it. Returns undefined when `rv` is older than the kept history.
   */
  snapshotAt(resource: string, rv: number): Map<string, KubeObject> | undefined {
    const t = this.table(resource);
    if (!t.history.covers(rv)) return undefined;
    const state = new Map(t.objects);
    const newer = t.history.since(rv);
    for (let i = newer.length - 1; i >= 0; i--) {
      const e = newer[i] as StoredEvent;
      const key = objectKey(e.object.metadata.namespace, e.object.metadata.name ?? '');
      if (e.type === 'ADDED') state.delete(key);
      else if (e.previous) state.set(key, e.previous);
    }
    return state;
  }

  /** Drop a whole resource (its CRD was deleted); subscribers are expected to have been closed. */
  dropResource(resource: string): void {
    this.tables.delete(resource);
    this.dropped.add(resource);
  }
}
