import type { Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { GoneError, type KubeError } from './errors.js';
import type { KubeObject } from './objects.js';
import type { ListOptions, ResourceClient, WatchEvent } from './resource-client.js';
import { backoffDelay, defaultRetryPolicy, type RetryPolicy } from './retry.js';
import type { WatchHandle } from './transport.js';

/**
 * List + watch with a local cache, client-go reflector style: list once, then watch from the
 * list's resourceVersion with bookmarks; when a watch ends (timeout, dropped connection) resume
 * from the last resourceVersion seen (events and bookmarks); on 410 Gone relist and report the
 * differences as add/update/delete. Failures back off exponentially through the Clock.
 */
export interface InformerHandlers<T> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, object: T): void;
  onDelete?(object: T): void;
  /** A list or watch failed (it will be retried). */
  onError?(error: KubeError): void;
}

export interface InformerOptions extends Pick<ListOptions, 'namespace' | 'allNamespaces' | 'labelSelector' | 'fieldSelector'> {
  clock: Clock;
  logger?: Logger;
  /** Server-side watch timeout; each watch asks for this ± 50 % jitter. Default 300 s. */
  watchTimeoutSeconds?: number;
  backoff?: Partial<RetryPolicy>;
  random?: () => number;
}

export interface InformerStats {
  lists: number;
  watches: number;
  /** Relists caused by 410 Gone. */
  expired: number;
}

const keyOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: Array<InformerHandlers<T>> = [];
  private readonly stopper = new AbortController();
  private watchHandle: WatchHandle | undefined;
  private running: Promise<void> | undefined;
  private synced: (() => void) | undefined;
  /** The resourceVersion the next watch resumes from. */
  resourceVersion = '';
  readonly stats: InformerStats = { lists: 0, watches: 0, expired: 0 };

  constructor(
    private readonly resource: ResourceClient<T>,
    private readonly options: InformerOptions,
  ) {}

  on(handlers: InformerHandlers<T>): this {
    this.handlers.push(handlers);
    return this;
  }

  get hasSynced(): boolean {
    return this.stats.lists > 0;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.cache.get(`${namespace ?? ''}/${name}`);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  /** Start; resolves once the first list is in the cache. */
  start(): Promise<void> {
    if (this.running) throw new Error('informer already started');
    const synced = new Promise<void>((resolve) => (this.synced = resolve));
    this.running = this.loop();
    return Promise.race([synced, this.running]);
  }

  /** Stop watching; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.watchHandle?.stop();
    await this.running;
  }

  private emit(fn: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) {
      try {
        fn(h);
      } catch (e) {
        (this.options.logger ?? silentLogger).error('informer handler failed', { error: (e as Error).message });
      }
    }
  }

  private async loop(): Promise<void> {
    const stopped = this.stopper.signal;
    let needList = true;
    let failures = 0;
    while (!stopped.aborted) {
      try {
        if (needList) {
          await this.relist();
          needList = false;
        }
        await this.watchOnce();
        failures = 0;
      } catch (e) {
        const error = e as KubeError;
        if (stopped.aborted) break;
        this.emit((h) => h.onError?.(error));
        if (error instanceof GoneError) {
          this.stats.expired++;
          needList = true;
          continue;
        }
        failures++;
        const policy = { ...defaultRetryPolicy, ...this.options.backoff };
        await this.options.clock.sleep(backoffDelay(policy, failures, (this.options.random ?? Math.random)()), stopped).catch(() => undefined);
      }
    }
  }

  private async relist(): Promise<void> {
    const { namespace, allNamespaces, labelSelector, fieldSelector } = this.options;
    const { items, resourceVersion } = await this.resource.listAll({ namespace, allNamespaces, labelSelector, fieldSelector });
    this.stats.lists++;
    const fresh = new Map(items.map((o) => [keyOf(o), o]));
    for (const [key, old] of this.cache) {
      if (!fresh.has(key)) {
        this.cache.delete(key);
        this.emit((h) => h.onDelete?.(old));
      }
    }
    for (const [key, object] of fresh) this.apply(key, object);
    this.resourceVersion = resourceVersion;
    this.synced?.();
  }

  private apply(key: string, object: T): void {
    const old = this.cache.get(key);
    this.cache.set(key, object);
    if (!old) this.emit((h) => h.onAdd?.(object));
    else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) this.emit((h) => h.onUpdate?.(old, object));
  }

  private onEvent(event: WatchEvent<T>): void {
    const rv = event.object.metadata.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (event.type === 'BOOKMARK') return;
    const key = keyOf(event.object);
    if (event.type === 'DELETED') {
      const old = this.cache.get(key);
      this.cache.delete(key);
      this.emit((h) => h.onDelete?.(old ?? event.object));
    } else this.apply(key, event.object);
  }

  /** One watch stream from the current resourceVersion; resolves when it ends cleanly. */
  private watchOnce(): Promise<void> {
    const base = this.options.watchTimeoutSeconds ?? 300;
    const timeoutSeconds = Math.max(1, Math.round(base * (0.5 + (this.options.random ?? Math.random)())));
    const { namespace, allNamespaces, labelSelector, fieldSelector } = this.options;
    this.stats.watches++;
    const signal = this.stopper.signal;
    let onAbort: (() => void) | undefined;
    return new Promise<void>((resolve, reject) => {
      onAbort = () => resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      this.resource
        .watch(
          { namespace, allNamespaces, labelSelector, fieldSelector, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
          (event) => this.onEvent(event),
          (error) => (error ? reject(error) : resolve()),
        )
        .then((handle) => {
          this.watchHandle = handle;
          if (signal.aborted) handle.stop();
        }, reject);
    }).finally(() => {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    });
  }
}
