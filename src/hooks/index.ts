// Public API of src/hooks: the webhook sender behind the engine's HookPort, and the HTTP POST helper notifications reuse.
export { postJson, DEFAULT_BACKOFF, type Backoff, type PostContext, type PostOutcome, type PostRequest } from './http-post.js';
export { signBody, signatureHeaders, verifySignature, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './signature.js';
export { hookPayload, HOOK_PAYLOAD_KIND, type HookPayload } from './payload.js';
export { keySources, readWebhookKeys, WebhookKeyError, type KeySources, type WebhookKeys } from './webhook-keys.js';
export { createHookPort, WebhookPort, DEFAULT_MAX_EVENTS_IN_FLIGHT, EVENT_DELIVERY_GRACE_MS, type HookPortOptions, type Notifier } from './webhook-port.js';
export { hookAnswer } from './hook-answer.js';
export { ChatNotifier, NOTIFICATION_QUEUE_LIMIT, NOTIFICATION_RETRIES, NOTIFICATION_TIMEOUT_MS, type NotificationEndpoint, type NotifierOptions } from './chat-notifier.js';
export { notificationEndpoints, NotificationUrlError } from './notification-endpoints.js';
export { UnreadableSettingError } from './unreadable-setting.js';
export { EVENT_SEVERITY } from './notification-severity.js';
