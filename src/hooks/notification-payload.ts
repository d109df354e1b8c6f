import type { NotificationType } from '../spec/notifications.js';
import type { NotificationMessage } from './notification-message.js';
import { slackPayload } from './slack-payload.js';
import { teamsPayload } from './teams-payload.js';

/**
 * The JSON body POSTed for a message in each notification type. `generic` is the message record
 * itself (`kind` tells receivers what it is): severity, event, title, text, shift, phase, step,
 * steps, weights, reason, link, at.
 */
export function notificationPayload(type: NotificationType, message: NotificationMessage): unknown {
  switch (type) {
    case 'slack':
      return slackPayload(message);
    case 'teams':
      return teamsPayload(message);
    case 'generic':
      return { kind: 'tcpshift.notification', ...message };
  }
}
