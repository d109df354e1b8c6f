/**
 * A Slack-compatible incoming-webhook message: `text` (the notification line, and what clients
 * without attachments show) plus one legacy attachment with a colour bar, title link and fields.
 * Attachments rather than Block Kit because every receiver renders them: Slack (api.slack.com
 * "Incoming webhooks", "Secondary message attachments": fallback, color, title, title_link, text,
 * fields{title, value, short}, footer, ts), Mattermost (developers.mattermost.com
 * integrate/reference/message-attachments: the same fields; it does not render `blocks`,
 * mattermost/mattermost#14973) and Discord's `/slack` webhook endpoint. Colours are hex, which all
 * three accept (Mattermost has no named `good`/`danger`).
 */
import type { Severity } from '../spec/notifications.js';
import { messageFacts, type NotificationMessage } from './notification-message.js';

export const SLACK_COLORS: Readonly<Record<Severity, string>> = { info: '#2eb67d', warn: '#ecb22e', error: '#e01e5a' };

export interface SlackPayload {
  text: string;
  attachments: SlackAttachment[];
}

export interface SlackAttachment {
  fallback: string;
  color: string;
  title: string;
  title_link?: string;
  text: string;
  fields: { title: string; value: string; short: boolean }[];
  footer: string;
  ts: number;
}

export function slackPayload(message: NotificationMessage): SlackPayload {
  const line = `[${message.severity}] ${message.title}`;
  return {
    text: line,
    attachments: [
      {
        fallback: `${line}: ${message.text}`,
        color: SLACK_COLORS[message.severity],
        title: message.title,
        ...(message.link !== undefined && { title_link: message.link }),
        text: message.text,
        fields: messageFacts(message).map((fact) => ({ ...fact, short: fact.title !== 'Reason' })),
        footer: 'tcpshift',
        ts: Math.floor(message.at / 1000),
      },
    ],
  };
}
