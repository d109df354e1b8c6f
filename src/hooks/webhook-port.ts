/**
 * The HookPort the CLI runner and the controller's engine call (src/shift/hook-port.ts): each
 * spec.webhooks entry is POSTed with its own timeout and retries (./http-post.ts); `notify`
 * hands the event to the `event` hooks and to the notifier (spec.notifications) without
 * waiting. Every answer (or giving up) is passed to `onResult`: the CLI prints it and puts it in
 * report.json, the controller records an Event.
 */
import { randomUUID } from 'node:crypto';
import type { HookContext, HookPort, HookResult, ShiftEvent } from '../shift/index.js';
import type { ResolvedWebhook } from '../spec/resolved-shift.js';
import type { HookType } from '../spec/webhooks.js';
import type { Clock } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { postJson, type Backoff } from './http-post.js';
import { hookPayload } from './payload.js';
import type { WebhookKeys } from './webhook-keys.js';

/** How long the end of a shift (a CLI run, a controller session forgotten) waits for `event` deliveries and notifications still under way. */
export const EVENT_DELIVERY_GRACE_MS = 5000;

/** spec.notifications' sender (chat messages); fire and forget like `event` hooks. */
export interface Notifier {
  notify(event: ShiftEvent, context: HookContext): void;
  /** Wait at most `ms` for the messages under way, then give up the rest (close). */
  flush?(ms: number): Promise<void>;
}

export interface HookPortOptions {
  webhooks: readonly ResolvedWebhook[];
  /** The signing keys of the webhooks with a secret (readWebhookKeys); a hook whose key is missing is not sent and answers failed. */
  keys?: WebhookKeys;
  clock: Clock;
  logger?: Logger;
  notifier?: Notifier;
  onResult?: (result: HookResult, context: HookContext) => void;
  backoff?: Backoff;
  /** `event` deliveries under way at most, all event hooks together; beyond, an event is dropped with a counted warning. Default 16. */
  maxEventsInFlight?: number;
  deliveryId?: () => string;
}

export const DEFAULT_MAX_EVENTS_IN_FLIGHT = 16;

export class WebhookPort implements HookPort {
  private readonly inFlight = new Set<Promise<void>>();
  /** Aborts the event deliveries still under way at close(). */
  private readonly closing = new AbortController();
  private droppedEvents = 0;
  private readonly logger: Logger;

  constructor(private readonly options: HookPortOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  has(type: HookType): boolean {
    return this.options.webhooks.some((hook) => hook.type === type);
  }

  async call(type: HookType, context: HookContext, signal?: AbortSignal): Promise<HookResult[]> {
    const hooks = this.options.webhooks.filter((hook) => hook.type === type);
    return Promise.all(hooks.map((hook) => this.deliver(hook, context, signal)));
  }

  notify(event: ShiftEvent, context: HookContext): void {
    this.toNotifier(event, context);
    const withEvent = { ...context, event };
    for (const hook of this.options.webhooks.filter((h) => h.type === 'event')) this.deliverEvent(hook, withEvent);
  }

  /** Event deliveries dropped because too many were under way. */
  dropped(): number {
    return this.droppedEvents;
  }

  /** Wait for the event deliveries under way, at most `ms` (EVENT_DELIVERY_GRACE_MS at a shift's end); then abort what is left. No event hook is called after. */
  async close(ms: number): Promise<void> {
    const notified = this.options.notifier?.flush?.(ms);
    const stop = new AbortController();
    await Promise.race([Promise.all(this.inFlight), this.options.clock.sleep(ms, stop.signal).catch(() => undefined)]);
    stop.abort();
    this.closing.abort();
    await Promise.all([...this.inFlight, notified]);
  }

  private toNotifier(event: ShiftEvent, context: HookContext): void {
    try {
      this.options.notifier?.notify(event, context);
    } catch (error) {
      this.logger.warn('notification failed', { event: event.type, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private deliverEvent(hook: ResolvedWebhook, context: HookContext): void {
    if (this.closing.signal.aborted) return;
    const max = this.options.maxEventsInFlight ?? DEFAULT_MAX_EVENTS_IN_FLIGHT;
    if (this.inFlight.size >= max) {
      this.droppedEvents += 1;
      this.logger.warn(`event hook ${hook.name}: delivery dropped, ${max} already under way`, { hook: hook.name, event: context.event?.type, dropped: this.droppedEvents });
      return;
    }
    const delivery = this.deliver(hook, context, this.closing.signal).then(() => undefined);
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private async deliver(hook: ResolvedWebhook, context: HookContext, signal: AbortSignal | undefined): Promise<HookResult> {
    const { clock } = this.options;
    const key = hook.secret ? this.options.keys?.get(hook.name) : undefined;
    if (hook.secret && !key) return this.report({ name: hook.name, type: hook.type, ok: false, attempts: 0, durationMs: 0, error: 'signing key not available: not sent' }, context);
    const id = (this.options.deliveryId ?? randomUUID)();
    const body = JSON.stringify(hookPayload(hook, context, { id, at: clock.now() }));
    const outcome = await postJson(
      { url: hook.url, body, headers: { 'X-Tcpshift-Delivery': id, 'X-Tcpshift-Hook': hook.type }, timeoutMs: hook.timeoutMs, retries: hook.retries, ...(key && { secret: key }) },
      { clock, ...(signal && { signal }), ...(this.options.backoff && { backoff: this.options.backoff }) },
    );
    return this.report({ name: hook.name, type: hook.type, ...outcome }, context);
  }

  private report(result: HookResult, context: HookContext): HookResult {
    if (!result.ok) this.logger.warn(`hook ${result.name} (${result.type}) failed: ${result.error ?? 'not 2xx'}`, { hook: result.name, attempts: result.attempts });
    try {
      this.options.onResult?.(result, context);
    } catch (error) {
      this.logger.warn('hook result not recorded', { hook: result.name, error: error instanceof Error ? error.message : String(error) });
    }
    return result;
  }
}

export function createHookPort(options: HookPortOptions): WebhookPort {
  return new WebhookPort(options);
}
