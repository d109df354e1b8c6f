import { z } from 'zod';
import { durationString } from './duration-field.js';
import { dns1123Label, dns1123Subdomain } from './names.js';
import { integerIn } from './numbers.js';
import { strictObject } from './strict-object.js';
import { uniqueNames } from './unique-names.js';

/**
 * `spec.webhooks[]` (issue 18): HTTP endpoints called at a shift's step boundaries. When each
 * type is called is the engine's (src/shift/hook-port.ts, which re-exports HOOK_TYPES: the list
 * lives here because the spec layer cannot import the engine); the sender is src/hooks.
 */
export const HOOK_TYPES = ['pre-step', 'confirm-step', 'post-step', 'confirm-promotion', 'rollback', 'event'] as const;
export type HookType = (typeof HOOK_TYPES)[number];

export const MAX_HOOK_TIMEOUT_MS = 60_000;
export const MAX_HOOK_RETRIES = 10;
export const MAX_WEBHOOKS = 32;

/** A Secret's data key (k8s.io/apimachinery validation.IsConfigMapKey). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Where a signing key comes from: a file read by the process that sends (the CLI at start), or a
 * key of a Secret in the shift's namespace (read through the API at start / at reconcile). The
 * key itself is never stored, printed, logged or reported.
 */
export const secretSourceSchema = strictObject({
  file: z.string({ error: 'must be a file path' }).min(1).max(4096).optional().describe('A file holding the key (CLI shifts: read at start).'),
  secretRef: strictObject({
    name: dns1123Subdomain.describe('Secret in the shift namespace.'),
    key: z.string({ error: 'must be a Secret data key' }).max(253).regex(SECRET_KEY, { error: "must be a Secret data key: letters, digits, '-', '_' and '.'" }),
  }, 'an object').optional().describe('A key of a Secret in the shift namespace.'),
}, 'an object').superRefine((value, ctx) => {
  if ((value.file === undefined) === (value.secretRef === undefined)) ctx.addIssue({ code: 'custom', path: ['file'], message: 'give exactly one of file, secretRef' });
});

export const webhookUrl = z
  .string({ error: 'must be an http:// or https:// URL' })
  .max(2048, { error: 'must be at most 2048 characters' })
  .refine(isHttpUrl, { error: 'must be an http:// or https:// URL, e.g. https://ci.example/hooks/tcpshift' });

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

const webhook = strictObject({
  name: dns1123Label.describe('Names the hook in progress lines, the report, Events and the payload.'),
  type: z.enum(HOOK_TYPES, { error: `must be one of: ${HOOK_TYPES.join(', ')}` }).describe('When it is called (README "Webhooks").'),
  url: webhookUrl.describe('Where the JSON payload is POSTed.'),
  timeout: durationString(1, MAX_HOOK_TIMEOUT_MS).default('10s').describe('Per attempt.'),
  retries: integerIn(0, MAX_HOOK_RETRIES).default(2).describe('Further attempts after a network error, a timeout, a 5xx or a 429.'),
  metadata: z
    .record(z.string().max(253), z.string({ error: 'must be a string' }).max(4096), { error: 'must be a map of strings' })
    .optional()
    .describe('Sent as written in the payload.'),
  secret: secretSourceSchema.optional().describe('HMAC-SHA256 key: the body is signed in the X-Tcpshift-Signature header.'),
}, 'an object');

export const webhooksSchema = z
  .array(webhook, { error: 'must be a list of webhooks' })
  .max(MAX_WEBHOOKS, { error: `must list at most ${MAX_WEBHOOKS} webhooks` })
  .superRefine(uniqueNames('webhooks'));

export type SecretSource = z.output<typeof secretSourceSchema>;
export type WebhookSpec = z.output<typeof webhook>;
