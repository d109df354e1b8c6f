/**
 * The webhooks of a TCPShift run by the controller (spec.webhooks, src/hooks): one HookPort per
 * session, built when the run's webhooks change (the signing keys are read then, from Secrets in
 * the shift's namespace through the API, or from files in the controller's pod). Each answer is a
 * Kubernetes Event on the TCPShift (HookSucceeded Normal / HookFailed Warning; `event` hooks only
 * when they fail). A key that cannot be read is a Problem (WebhookSecretUnavailable, naming the
 * field, the Secret and the key): a pending shift waits for it and looks again every 10 s; a shift
 * already under way runs on, and that hook answers failed without being sent (a pre-step hook
 * thus rolls back) until the key can be read. A rotated Secret is read again when the webhooks
 * of the spec change or the controller restarts.
 */
import { ChatNotifier, createHookPort, hookAnswer, keySources, notificationEndpoints, NotificationUrlError, readWebhookKeys, WebhookKeyError, type WebhookKeys, type WebhookPort } from '../hooks/index.js';
import type { KubeClient, TCPShift } from '../kube/index.js';
import { noHooks, type HookContext, type HookPort, type HookResult } from '../shift/index.js';
import type { Clock } from '../util/clock.js';
import type { Problem } from './conditions.js';
import { stableJson } from './engine-record.js';
import type { EventSink } from './event-sink.js';
import type { ShiftSession } from './session.js';

export interface ShiftHooksDeps {
  kube: Pick<KubeClient, 'resource'>;
  clock: Clock;
  events: EventSink;
  /** Where spec.notifications[].urlFrom.env is read: the controller's own environment by default. */
  env?: NodeJS.ProcessEnv;
}

/** What a session keeps: the port, what it was built from, and why a key is missing. */
export interface SessionHooks {
  port: WebhookPort;
  webhooksKey: string;
  problem: Problem | undefined;
}

/** The session's hooks for its run spec, built (and its keys read) when there are none or the webhooks changed. */
export async function prepareHooks(s: ShiftSession, object: TCPShift, deps: ShiftHooksDeps): Promise<SessionHooks> {
  const { webhooks, notifications } = s.run.shift.spec;
  const webhooksKey = stableJson({ webhooks, notifications });
  if (s.hooks && s.hooks.webhooksKey === webhooksKey && !s.hooks.problem) return s.hooks;
  const { keys, problem } = await readKeys(s, deps);
  const onResult = (result: HookResult, context: HookContext): void => {
    if (result.type === 'event' && result.ok) return;
    deps.events.event(object, result.ok ? 'Normal' : 'Warning', result.ok ? 'HookSucceeded' : 'HookFailed', hookAnswer(result, context));
  };
  await s.hooks?.port.close(0);
  const notifier = chatNotifier(s, object, deps);
  const port = createHookPort({ webhooks, keys, ...(notifier && { notifier }), clock: deps.clock, logger: s.logger, onResult });
  s.hooks = { port, webhooksKey, problem };
  return s.hooks;
}

/**
 * The session's chat notifier; none when the spec has no notifications, or when a URL cannot be
 * read (a Warning Event NotificationUrlUnavailable naming the field: a notification never holds a
 * shift back). Read again when the notifications of the spec change or the controller restarts.
 */
function chatNotifier(s: ShiftSession, object: TCPShift, deps: ShiftHooksDeps): ChatNotifier | undefined {
  try {
    const endpoints = notificationEndpoints(s.run.shift.spec.notifications, deps.env ?? process.env);
    return endpoints.length > 0 ? new ChatNotifier(endpoints, { clock: deps.clock, logger: s.logger }) : undefined;
  } catch (error) {
    if (!(error instanceof NotificationUrlError)) throw error;
    deps.events.event(object, 'Warning', 'NotificationUrlUnavailable', `${error.message}: this shift sends no notifications`);
    return undefined;
  }
}

async function readKeys(s: ShiftSession, deps: ShiftHooksDeps): Promise<{ keys: WebhookKeys; problem: Problem | undefined }> {
  try {
    return { keys: await readWebhookKeys(s.run.shift, keySources(deps.kube)), problem: undefined };
  } catch (error) {
    if (!(error instanceof WebhookKeyError)) throw error;
    s.logger.warn('webhook signing key unavailable', { error: error.message });
    return { keys: new Map(), problem: { reason: 'WebhookSecretUnavailable', message: error.message } };
  }
}

/** The engine driver's HookPort for a session: whatever port the session holds now (rebuilt by prepareHooks). */
export function sessionHookPort(s: ShiftSession): HookPort {
  const current = (): HookPort => s.hooks?.port ?? noHooks;
  return {
    has: (type) => current().has(type),
    call: (type, context, signal) => current().call(type, context, signal),
    notify: (event, context) => current().notify(event, context),
  };
}
