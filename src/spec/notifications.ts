import { z } from 'zod';
import { dns1123Label } from './names.js';
import { PLACEHOLDER_PATTERN, placeholderProblem } from './metric-checks.js';
import { strictObject } from './strict-object.js';
import { uniqueNames } from './unique-names.js';
import { exactlyOneSource, valueFromSchema } from './value-from.js';
import { webhookUrl } from './webhooks.js';

/**
 * `spec.notifications[]` (issue 18): chat messages about a shift's events. The formats and the
 * sender live in src/hooks; the kinds, severities and the link template's placeholders are here,
 * since the spec is where an unknown one is refused (exit 2 naming the field).
 */
export const NOTIFICATION_TYPES = ['slack', 'teams', 'generic'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** Ordered: a notification sends the events of its severity and above. */
export const SEVERITIES = ['info', 'warn', 'error'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What `{{ name }}` in a link template may name. */
export const LINK_PLACEHOLDERS = ['name', 'namespace', 'step', 'phase'] as const;
export type LinkPlaceholder = (typeof LINK_PLACEHOLDERS)[number];

const link = z
  .string({ error: 'must be an http:// or https:// URL template' })
  .max(4096)
  .superRefine((text, ctx) => {
    const problem = placeholderProblem(text, LINK_PLACEHOLDERS);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
    else if (!webhookUrl.safeParse(text.replace(PLACEHOLDER_PATTERN, 'x')).success) {
      ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL template, e.g. https://grafana.example/d/tcp?var-shift={{ name }}' });
    }
  });

const notification = strictObject({
  name: dns1123Label.describe('Names the notification in logs.'),
  type: z
    .enum(NOTIFICATION_TYPES, { error: `must be one of: ${NOTIFICATION_TYPES.join(', ')}` })
    .describe('slack: Slack-compatible incoming webhook (Slack, Mattermost, Discord /slack); teams: Microsoft Teams Workflows webhook (Adaptive Card); generic: the event as JSON.'),
  url: webhookUrl.optional().describe('Where the message is POSTed. Stored with the spec (route annotations, status): a chat webhook URL is a credential, prefer urlFrom.'),
  urlFrom: valueFromSchema
    .optional()
    .describe("The URL from an environment variable or a file of the process that sends (the CLI, or the controller's pod with a mounted Secret): never stored, logged or reported."),
  severity: z
    .enum(SEVERITIES, { error: `must be one of: ${SEVERITIES.join(', ')}` })
    .default('info')
    .describe('The least severe event sent: info (steps passed, promoted), warn (paused, waiting), error (breach, rolled back).'),
  link: link
    .optional()
    .describe('A link put in every message; may use {{ name }}, {{ namespace }}, {{ step }}, {{ phase }} (URL-encoded when filled).'),
}, 'an object').superRefine(exactlyOneSource('url', 'urlFrom'));

export const notificationsSchema = z
  .array(notification, { error: 'must be a list of notifications' })
  .max(16, { error: 'must list at most 16 notifications' })
  .superRefine(uniqueNames('notifications'));

export type NotificationSpec = z.output<typeof notification>;
