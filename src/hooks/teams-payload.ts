/**
 * A Microsoft Teams message for a Workflows ("Post to a channel when a webhook request is
 * received", Power Automate) webhook: a `message` whose one attachment is an Adaptive Card. The
 * Office 365 connector's MessageCard is not produced: Microsoft retired the connectors
 * (devblogs.microsoft.com/microsoft365dev "Retirement of Office 365 connectors within Microsoft
 * Teams"; Argo CD's notifications moved to the same Workflows payload, argo-cd docs
 * operator-manual/notifications/services/teams-workflows). Card version 1.4: Teams renders up to
 * 1.5, and 1.4 covers TextBlock, FactSet and Action.OpenUrl.
 */
import type { Severity } from '../spec/notifications.js';
import { messageFacts, type NotificationMessage } from './notification-message.js';

export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Adaptive Card TextBlock colours for each severity. */
const CARD_COLORS: Readonly<Record<Severity, string>> = { info: 'Good', warn: 'Warning', error: 'Attention' };

export interface TeamsPayload {
  type: 'message';
  attachments: { contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE; contentUrl: null; content: AdaptiveCard }[];
}

export interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  body: Record<string, unknown>[];
  actions?: { type: 'Action.OpenUrl'; title: string; url: string }[];
}

export function teamsPayload(message: NotificationMessage): TeamsPayload {
  const card: AdaptiveCard = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      { type: 'TextBlock', text: message.title, weight: 'Bolder', size: 'Medium', color: CARD_COLORS[message.severity], wrap: true },
      { type: 'TextBlock', text: message.text, wrap: true },
      { type: 'FactSet', facts: messageFacts(message) },
    ],
    ...(message.link !== undefined && { actions: [{ type: 'Action.OpenUrl', title: 'Open', url: message.link }] }),
  };
  return { type: 'message', attachments: [{ contentType: ADAPTIVE_CARD_CONTENT_TYPE, contentUrl: null, content: card }] };
}
