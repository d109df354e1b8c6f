import type { Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { NotFoundError } from './errors.js';
import { EventCorrelator, type EventAction, type EventInput } from './event-correlator.js';
import type { CoreEvent, KubeObject, ObjectReference } from './objects.js';
import type { ResourceClient } from './resource-client.js';

/**
 * Records core/v1 Events about objects, client-go style: fire and forget (writes are queued in
 * order, failures logged, never thrown to the caller), and repeated events aggregated into one
 * Event whose count and lastTimestamp move (see EventCorrelator).
 */
export interface EventRecorderOptions {
  events: ResourceClient<CoreEvent>;
  clock: Clock;
  /** source.component / reportingComponent, e.g. `tcpshift-controller`. */
  component: string;
  /** source.host / reportingInstance, e.g. the pod name. */
  host?: string;
  windowMs?: number;
  logger?: Logger;
}

export function referenceTo(object: KubeObject): ObjectReference {
  const m = object.metadata;
  return {
    ...(object.apiVersion ? { apiVersion: object.apiVersion } : {}),
    ...(object.kind ? { kind: object.kind } : {}),
    ...(m.name ? { name: m.name } : {}),
    ...(m.namespace ? { namespace: m.namespace } : {}),
    ...(m.uid ? { uid: m.uid } : {}),
    ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}),
  };
}

export class EventRecorder {
  private readonly correlator: EventCorrelator;
  private queue: Promise<void> = Promise.resolve();
  private readonly logger: Logger;
  /** Events that could not be written. */
  failures = 0;

  constructor(private readonly options: EventRecorderOptions) {
    this.correlator = new EventCorrelator({
      component: options.component,
      ...(options.host ? { host: options.host } : {}),
      ...(options.windowMs !== undefined ? { windowMs: options.windowMs } : {}),
    });
    this.logger = options.logger ?? silentLogger;
  }

  /** Record an event about `object` (or a reference to it). Returns at once; see flush(). */
  event(object: KubeObject | ObjectReference, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const involvedObject = 'metadata' in object ? referenceTo(object) : (object);
    const input: EventInput = { involvedObject, type, reason, message };
    const action = this.correlator.observe(input, this.options.clock.now());
    this.queue = this.queue.then(() => this.write(input, action));
  }

  /** Resolves when every event recorded so far has been written (or has failed). */
  flush(): Promise<void> {
    return this.queue;
  }

  private async write(input: EventInput, action: EventAction): Promise<void> {
    const events = this.options.events;
    try {
      if (action.kind === 'create') {
        await events.create(action.event);
        return;
      }
      try {
        await events.patch(action.name, action.namespace, { type: 'merge', body: { count: action.count, lastTimestamp: action.lastTimestamp } });
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
        this.correlator.forget(action.name, action.namespace);
        const again = this.correlator.observe(input, this.options.clock.now());
        if (again.kind === 'create') await events.create(again.event);
      }
    } catch (e) {
      this.failures++;
      this.logger.warn('could not record event', { reason: input.reason, object: input.involvedObject.name, error: (e as Error).message });
    }
  }
}
