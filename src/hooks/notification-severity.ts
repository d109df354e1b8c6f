/**
 * How serious each ShiftEvent is for a chat channel (spec.notifications[].severity filters on
 * it), and which events are no message at all: a step starting is progress, not news, and
 * `Promoting` is always followed by `Promoted` (one message per transition).
 */
import type { ShiftEventType } from '../shift/index.js';
import { SEVERITIES, type Severity } from '../spec/notifications.js';

export const EVENT_SEVERITY: Readonly<Record<ShiftEventType, Severity | 'none'>> = {
  StepStarted: 'none',
  StepPassed: 'info',
  Promoting: 'none',
  Promoted: 'info',
  Resumed: 'info',
  GateOpened: 'info',
  GateWaiting: 'warn',
  Paused: 'warn',
  ExternalChange: 'warn',
  Breach: 'error',
  RollingBack: 'error',
  RolledBack: 'error',
  Aborted: 'error',
  Failed: 'error',
};

/** Whether a message of this severity passes a notification whose least severity is `minimum`. */
export function atLeast(severity: Severity, minimum: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(minimum);
}
