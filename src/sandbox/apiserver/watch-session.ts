import type { Clock, TimerHandle } from '../../util/clock.js';
import { errors } from './api-error.js';
import { encode, viewApiVersion } from './codec.js';
import type { StoredEvent } from './event-history.js';
import { parseResourceVersion, parseSelection, selects, type Selection } from './list-query.js';
import type { ObjectStore } from './object-store.js';
import { storageKey, type ResourceView } from './resource-def.js';
import { columnsOf, tableRow, toTable, type IncludeObject } from './table.js';
import type { KubeObject, WatchEventType } from './types.js';

/**
 * One watch stream: replay from a resourceVersion (or the current state as ADDED events), then
 * live events, each filtered by namespace and selectors with the real watch cache's transitions
 * (an object leaving the selection is DELETED for this watcher, one entering it ADDED);
 * BOOKMARKs when asked; closed after timeoutSeconds; an ERROR event with a 410 Expired Status
 * when the version is older than the kept history.
 */
export interface WatchSink {
  /** The request was valid: start the response (headers) before any event. */
  open(): void;
  write(line: string): void;
  /** Bytes written but not yet flushed to the client. */
  backlog(): number;
  /** Graceful end of the stream. */
  end(): void;
  /** Abrupt cut, as a dropped connection. */
  cut(): void;
}

export type WatchFormat = { kind: 'json' } | { kind: 'table'; include: IncludeObject; tableApiVersion: string };

export interface WatchOptions {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  sendInitialEvents?: boolean;
  format: WatchFormat;
}

export interface WatchDeps {
  store: ObjectStore;
  clock: Clock;
  bookmarkIntervalMs: number;
  maxBacklogBytes: number;
  defaultTimeoutSeconds: number;
}

const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';

export class WatchSession {
  private unsubscribe: (() => void) | undefined;
  private timers: TimerHandle[] = [];
  private closed = false;
  private headersSent = false;
  private readonly selection: Selection;
  /** The resourceVersion to replay from; undefined = the current state as ADDED events. */
  private readonly fromRv: number | undefined;
  /** Events this stream may still deliver before it is cut (fault injection); undefined = no limit. */
  eventBudget: number | undefined;
  onClose: (() => void) | undefined;

  constructor(
    private readonly deps: WatchDeps,
    readonly view: ResourceView,
    private readonly namespace: string | undefined,
    private readonly options: WatchOptions,
    private readonly sink: WatchSink,
  ) {
    this.selection = parseSelection(view, options.labelSelector, options.fieldSelector);
    const asked = options.resourceVersion;
    this.fromRv = asked && asked !== '0' ? parseResourceVersion(asked) : undefined;
  }

  get resource(): string {
    return storageKey(this.view.def);
  }

  start(): void {
    const fromRv = this.fromRv;
    this.sink.open();
    if (fromRv === undefined || this.options.sendInitialEvents) this.sendInitialState();
    const from = fromRv !== undefined && !this.options.sendInitialEvents ? fromRv : undefined;
    this.unsubscribe = this.deps.store.subscribe(this.resource, from, (e) => this.onEvent(e));
    if (!this.unsubscribe) {
      const status = errors.expired(`too old resource version: ${String(fromRv)} (${this.deps.store.compactedRevision(this.resource)})`).toStatus();
      this.sink.write(JSON.stringify({ type: 'ERROR', object: status }) + '\n');
      this.finish(false);
      return;
    }
    if (this.options.sendInitialEvents && this.options.allowWatchBookmarks) this.sendBookmark(true);
    this.armTimers();
  }

  private armTimers(): void {
    const { clock, bookmarkIntervalMs, defaultTimeoutSeconds } = this.deps;
    const timeoutMs = (this.options.timeoutSeconds ?? defaultTimeoutSeconds) * 1000;
    this.timers.push(clock.setTimer(() => this.expire(), timeoutMs));
    if (this.options.allowWatchBookmarks) this.scheduleBookmark(bookmarkIntervalMs);
  }

  private scheduleBookmark(ms: number): void {
    this.timers.push(
      this.deps.clock.setTimer(() => {
        if (this.closed) return;
        this.sendBookmark(false);
        this.scheduleBookmark(ms);
      }, ms),
    );
  }

  private expire(): void {
    if (this.options.allowWatchBookmarks) this.sendBookmark(false);
    this.finish(false);
  }

  private sendInitialState(): void {
    for (const [, stored] of this.deps.store.list(this.resource, this.namespace)) {
      const object = encode(this.view, stored);
      if (selects(this.selection, object)) this.writeEvent('ADDED', object);
    }
  }

  private sendBookmark(initialEventsEnd: boolean): void {
    const metadata: Record<string, unknown> = { resourceVersion: String(this.deps.store.revision()) };
    if (initialEventsEnd) metadata.annotations = { [INITIAL_EVENTS_END]: 'true' };
    const object = { kind: this.view.def.kind, apiVersion: viewApiVersion(this.view), metadata };
    this.sink.write(JSON.stringify({ type: 'BOOKMARK', object }) + '\n');
  }

  /** What this watcher sees of a committed change, after namespace and selector filtering. */
  private transition(event: StoredEvent): { type: WatchEventType; object: KubeObject } | undefined {
    if (this.namespace !== undefined && event.object.metadata.namespace !== this.namespace) return undefined;
    const current = encode(this.view, event.object);
    if (this.selection.labels.length === 0 && this.selection.fields.length === 0) return { type: event.type, object: current };
    const nowIn = selects(this.selection, current);
    const wasIn = event.previous !== undefined && selects(this.selection, encode(this.view, event.previous));
    if (event.type === 'ADDED') return nowIn ? { type: 'ADDED', object: current } : undefined;
    if (event.type === 'DELETED') return wasIn || nowIn ? { type: 'DELETED', object: current } : undefined;
    if (nowIn && wasIn) return { type: 'MODIFIED', object: current };
    if (nowIn) return { type: 'ADDED', object: current };
    return wasIn ? { type: 'DELETED', object: current } : undefined;
  }

  private onEvent(event: StoredEvent): void {
    if (this.closed) return;
    const seen = this.transition(event);
    if (!seen) return;
    if (this.options.format.kind === 'json') {
      const key = `${seen.type}|${viewApiVersion(this.view)}`;
      event.encoded ??= new Map();
      let line = event.encoded.get(key);
      if (line === undefined) {
        line = JSON.stringify({ type: seen.type, object: seen.object }) + '\n';
        event.encoded.set(key, line);
      }
      this.deliver(line);
    } else this.writeEvent(seen.type, seen.object);
  }

  private writeEvent(type: WatchEventType, object: KubeObject): void {
    const format = this.options.format;
    if (format.kind === 'json') {
      this.deliver(JSON.stringify({ type, object }) + '\n');
      return;
    }
    const nowMs = this.deps.clock.now();
    const table = toTable(this.view, [], { include: format.include, noHeaders: this.headersSent, tableApiVersion: format.tableApiVersion, nowMs, metadata: { resourceVersion: object.metadata.resourceVersion } });
    table.rows = [tableRow(columnsOf(this.view), object, format.include, nowMs)];
    this.headersSent = true;
    this.deliver(JSON.stringify({ type, object: table }) + '\n');
  }

  private deliver(line: string): void {
    this.sink.write(line);
    if (this.eventBudget !== undefined && --this.eventBudget <= 0) {
      this.finish(true);
      return;
    }
    if (this.sink.backlog() > this.deps.maxBacklogBytes) this.finish(true);
  }

  /** End the stream (cut = as a broken connection, else a clean end of the response). */
  finish(cut: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const t of this.timers) t.cancel();
    this.timers = [];
    if (cut) this.sink.cut();
    else this.sink.end();
    this.onClose?.();
  }

  /** The client went away. */
  clientGone(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    for (const t of this.timers) t.cancel();
    this.onClose?.();
  }
}
