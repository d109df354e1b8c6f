/**
 * spec.notifications[] at work: `notify(event, context)` (HookPort.notify) turns each ShiftEvent
 * into at most one message (./event-folding.ts), keeps it for each notification whose severity it
 * reaches (./notification-severity.ts), and hands it to that endpoint's outbox
 * (./notification-queue.ts) in the endpoint's format. Synchronous and non-throwing: the shift's
 * progress and verdict never wait for a chat server.
 */
import type { HookContext, ShiftEvent } from '../shift/index.js';
import type { NotificationSpec } from '../spec/notifications.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { EventFolding } from './event-folding.js';
import type { postJson } from './http-post.js';
import type { Notifier } from './webhook-port.js';
import { notificationMessage } from './notification-message.js';
import { notificationPayload } from './notification-payload.js';
import { NotificationQueue, type QueueCounts } from './notification-queue.js';
import { atLeast, EVENT_SEVERITY } from './notification-severity.js';
import { ThrottledLog } from './throttled-log.js';

/** Per attempt; a chat webhook answers in well under a second when it is up. */
export const NOTIFICATION_TIMEOUT_MS = 5000;
export const NOTIFICATION_RETRIES = 2;
/** Messages waiting per endpoint before newer ones are dropped. */
export const NOTIFICATION_QUEUE_LIMIT = 20;

export interface NotificationEndpoint {
  spec: NotificationSpec;
  /** spec.url, or the value urlFrom names (./notification-endpoints.ts). */
  url: string;
}

export interface NotifierOptions {
  clock: Clock;
  logger: Logger;
  queueLimit?: number;
  timeoutMs?: number;
  retries?: number;
  post?: typeof postJson;
}

export class ChatNotifier implements Notifier {
  private readonly folding = new EventFolding();
  private readonly queues: { spec: NotificationSpec; queue: NotificationQueue }[];

  constructor(endpoints: readonly NotificationEndpoint[], private readonly options: NotifierOptions) {
    const log = new ThrottledLog(options.logger, options.clock);
    this.queues = endpoints.map(({ spec, url }) => ({
      spec,
      queue: new NotificationQueue({
        name: spec.name,
        clock: options.clock,
        log,
        limit: options.queueLimit ?? NOTIFICATION_QUEUE_LIMIT,
        request: { url, timeoutMs: options.timeoutMs ?? NOTIFICATION_TIMEOUT_MS, retries: options.retries ?? NOTIFICATION_RETRIES },
        ...(options.post && { post: options.post }),
      }),
    }));
  }

  get configured(): boolean {
    return this.queues.length > 0;
  }

  notify(event: ShiftEvent, context: HookContext): void {
    try {
      this.enqueue(event, context);
    } catch (error) {
      this.options.logger.warn('notification not built', { event: event.type, error: String(error) });
    }
  }

  /**
   * Wait at most `timeoutMs` for the messages already queued (a CLI shift's last message, sent
   * after its verdict), then give up the rest. The shift's outcome is settled before this runs.
   */
  async flush(timeoutMs: number): Promise<void> {
    const allIdle = Promise.all(this.queues.map(({ queue }) => queue.idle()));
    const deadline = new AbortController();
    await Promise.race([allIdle, this.options.clock.sleep(timeoutMs, deadline.signal).catch(() => undefined)]);
    deadline.abort();
    this.close();
    await allIdle;
  }

  close(): void {
    for (const { queue } of this.queues) queue.close();
  }

  /** Sent, failed and dropped messages per notification name. */
  counts(): Record<string, QueueCounts> {
    return Object.fromEntries(this.queues.map(({ spec, queue }) => [spec.name, { ...queue.counts }]));
  }

  private enqueue(event: ShiftEvent, context: HookContext): void {
    const severity = EVENT_SEVERITY[event.type];
    if (!this.folding.admit(event, context) || severity === 'none') return;
    const at = this.options.clock.now();
    for (const { spec, queue } of this.queues) {
      if (!atLeast(severity, spec.severity)) continue;
      const message = notificationMessage(event, context, severity, spec.link, at);
      queue.push(JSON.stringify(notificationPayload(spec.type, message)));
    }
  }
}
