/**
 * The webhooks of a CLI shift (spec.webhooks, src/hooks): the signing keys read before anything
 * is written (a key that cannot be read is exit 2 naming the field), the HookPort handed to the
 * runner, each answer printed as a progress line and kept for report.json's `hooks`.
 */
import { ChatNotifier, createHookPort, hookAnswer, keySources, notificationEndpoints, readWebhookKeys, UnreadableSettingError, type NotificationEndpoint, type WebhookKeys, type WebhookPort } from '../hooks/index.js';
import type { KubeClient } from '../kube/index.js';
import type { HookCallReport } from '../report/index.js';
import type { HookContext, HookResult } from '../shift/index.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { UsageError } from './errors.js';

/** The signing keys of the spec's webhooks; exit 2 (UsageError) naming the field when one cannot be read. */
export async function readShiftWebhookKeys(shift: ResolvedShift, kube: Pick<KubeClient, 'resource'>): Promise<WebhookKeys> {
  return readWebhookKeys(shift, keySources(kube)).catch((error: unknown) => {
    throw usageErrorOf(error);
  });
}

/** Where spec.notifications go (urlFrom read from this process); exit 2 (UsageError) naming the field when a URL cannot be read. */
export function readNotificationEndpoints(shift: ResolvedShift, env: NodeJS.ProcessEnv): NotificationEndpoint[] {
  try {
    return notificationEndpoints(shift.spec.notifications, env);
  } catch (error) {
    throw usageErrorOf(error);
  }
}

/** A setting a spec field names that cannot be read is exit 2 naming the field; anything else stays as it is. */
function usageErrorOf(error: unknown): unknown {
  return error instanceof UnreadableSettingError ? new UsageError(error.message) : error;
}

export interface SessionHooks {
  port: WebhookPort;
  /** The calls so far, for report.json (undefined without webhooks). */
  calls(): HookCallReport[] | undefined;
}

export function sessionHooks(
  shift: ResolvedShift,
  keys: WebhookKeys | undefined,
  io: { clock: Clock; logger: Logger; print: (text: string) => void },
  notifications: readonly NotificationEndpoint[] = [],
): SessionHooks {
  const calls: HookCallReport[] = [];
  const onResult = (result: HookResult, context: HookContext): void => {
    calls.push({ ...result, ...(context.step !== undefined && { step: context.step }), at: io.clock.now() });
    if (result.type !== 'event' || !result.ok) io.print(`${result.ok ? '' : '! '}${hookAnswer(result, context)}`);
  };
  const notifier = notifications.length > 0 ? new ChatNotifier(notifications, { clock: io.clock, logger: io.logger }) : undefined;
  const port = createHookPort({ webhooks: shift.spec.webhooks, ...(keys && { keys }), ...(notifier && { notifier }), clock: io.clock, logger: io.logger, onResult });
  return { port, calls: () => (shift.spec.webhooks.length > 0 ? [...calls] : undefined) };
}
