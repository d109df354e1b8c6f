import { formatTime } from './micro-time.js';
import type { CoreEvent, ObjectReference } from './objects.js';

/**
 * The aggregation of client-go's event recorder, pure: an event with the same involved object,
 * type, reason, message and source as one recorded within `windowMs` bumps that event's count
 * and lastTimestamp instead of creating a new Event. Keeps at most `maxKeys` entries (oldest
 * dropped).
 */
export interface EventInput {
  involvedObject: ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type EventAction =
  | { kind: 'create'; event: CoreEvent }
  | { kind: 'update'; name: string; namespace: string; count: number; lastTimestamp: string };

interface Seen {
  name: string;
  namespace: string;
  count: number;
  lastMs: number;
}

export interface CorrelatorOptions {
  component: string;
  host?: string;
  /** Aggregation window. Default 10 minutes (client-go's default). */
  windowMs?: number;
  maxKeys?: number;
}

export class EventCorrelator {
  private readonly seen = new Map<string, Seen>();
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private sequence = 0;

  constructor(private readonly options: CorrelatorOptions) {
    this.windowMs = options.windowMs ?? 10 * 60 * 1000;
    this.maxKeys = options.maxKeys ?? 4096;
  }

  private key(e: EventInput): string {
    const o = e.involvedObject;
    return JSON.stringify([o.apiVersion, o.kind, o.namespace, o.name, o.uid, o.fieldPath, e.type, e.reason, e.message, this.options.component]);
  }

  /** Decide how to record an event observed at nowMs (epoch). */
  observe(e: EventInput, nowMs: number): EventAction {
    const key = this.key(e);
    const previous = this.seen.get(key);
    if (previous && nowMs - previous.lastMs <= this.windowMs) {
      previous.count++;
      previous.lastMs = nowMs;
      this.seen.delete(key);
      this.seen.set(key, previous);
      return { kind: 'update', name: previous.name, namespace: previous.namespace, count: previous.count, lastTimestamp: formatTime(nowMs) };
    }
    const namespace = e.involvedObject.namespace || 'default';
    const name = `${e.involvedObject.name ?? 'unknown'}.${(BigInt(nowMs) * 1_000_000n + BigInt(this.sequence++ % 1_000_000)).toString(16)}`;
    this.remember(key, { name, namespace, count: 1, lastMs: nowMs });
    const at = formatTime(nowMs);
    return {
      kind: 'create',
      event: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: e.involvedObject,
        type: e.type,
        reason: e.reason,
        message: e.message,
        count: 1,
        firstTimestamp: at,
        lastTimestamp: at,
        source: { component: this.options.component, ...(this.options.host ? { host: this.options.host } : {}) },
        reportingComponent: this.options.component,
        reportingInstance: this.options.host ?? '',
      },
    };
  }

  /** The server lost the event (expired): forget it, so the next one creates anew. */
  forget(name: string, namespace: string): void {
    for (const [k, v] of this.seen) if (v.name === name && v.namespace === namespace) this.seen.delete(k);
  }

  private remember(key: string, value: Seen): void {
    this.seen.set(key, value);
    if (this.seen.size > this.maxKeys) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}
