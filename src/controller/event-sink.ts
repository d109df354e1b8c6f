/**
 * Kubernetes Events for many shifts at once. An EventRecorder writes one Event at a time (so an
 * aggregated repeat never overtakes the Event it updates), which a thousand shifts outrun: their
 * Events would trail the shifts by many seconds and make a graceful stop wait for them. So the
 * controller uses several recorders, each object always on the same one (its Events keep their
 * order), and, like client-go's bounded broadcaster, drops Events when a recorder has too many
 * waiting (the API server is down or slow) rather than queueing without bound.
 */
import { EventRecorder, type EventRecorderOptions, type KubeObject } from '../kube/index.js';

export interface EventSink {
  event(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface ShardedEventsOptions extends EventRecorderOptions {
  /** Recorders writing in parallel. Default 8. */
  shards?: number;
  /** Events waiting per recorder beyond which new ones are dropped. Default 1,000. */
  maxPending?: number;
  onDrop?: (reason: string) => void;
}

export class ShardedEvents implements EventSink {
  private readonly recorders: EventRecorder[];
  private readonly pending: number[];
  private readonly maxPending: number;

  constructor(private readonly options: ShardedEventsOptions) {
    const shards = Math.max(1, options.shards ?? 8);
    this.recorders = Array.from({ length: shards }, () => new EventRecorder(options));
    this.pending = this.recorders.map(() => 0);
    this.maxPending = options.maxPending ?? 1000;
  }

  event(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const shard = shardOf(`${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`, this.recorders.length);
    if ((this.pending[shard] ?? 0) >= this.maxPending) {
      this.options.onDrop?.(reason);
      return;
    }
    const recorder = this.recorders[shard] as EventRecorder;
    this.pending[shard] = (this.pending[shard] ?? 0) + 1;
    recorder.event(object, type, reason, message);
    // flush() now resolves once this Event (and those before it on the recorder) is written.
    void recorder.flush().then(() => {
      this.pending[shard] = (this.pending[shard] ?? 1) - 1;
    });
  }

  /** Events waiting to be written. */
  waiting(): number {
    return this.pending.reduce((a, b) => a + b, 0);
  }

  flush(): Promise<void> {
    return Promise.all(this.recorders.map((r) => r.flush())).then(() => undefined);
  }
}

/** FNV-1a: a stable, evenly spread shard for a key. */
function shardOf(key: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
