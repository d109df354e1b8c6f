/**
 * Where each spec.notifications entry is sent: its `url`, or the value its `urlFrom` names in
 * this process (an environment variable of the CLI, a file such as a mounted Secret in the
 * controller's pod). Read once before anything is written: a URL that cannot be read is a
 * NotificationUrlError naming the field (the CLI exits 2, the controller reports it), and the
 * URL itself, a credential, is never in a message.
 */
import type { NotificationSpec } from '../spec/notifications.js';
import { webhookUrl } from '../spec/webhooks.js';
import { readValueFrom, ValueFromError } from '../util/read-value-from.js';
import type { NotificationEndpoint } from './chat-notifier.js';
import { UnreadableSettingError } from './unreadable-setting.js';

export class NotificationUrlError extends UnreadableSettingError {
  override readonly name = 'NotificationUrlError';
}

export function notificationEndpoints(specs: readonly NotificationSpec[] | undefined, env: NodeJS.ProcessEnv): NotificationEndpoint[] {
  return (specs ?? []).map((spec, i) => ({ spec, url: endpointUrl(spec, `spec.notifications[${i}]`, env) }));
}

function endpointUrl(spec: NotificationSpec, path: string, env: NodeJS.ProcessEnv): string {
  if (spec.url !== undefined) return spec.url;
  let url: string;
  try {
    url = readValueFrom(spec.urlFrom ?? {}, env);
  } catch (error) {
    if (error instanceof ValueFromError) throw new NotificationUrlError(`${path}.urlFrom.${error.source}`, error.message);
    throw error;
  }
  if (!webhookUrl.safeParse(url).success) throw new NotificationUrlError(`${path}.urlFrom`, 'the value is not an http:// or https:// URL');
  return url;
}
