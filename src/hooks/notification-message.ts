/**
 * One chat message about one ShiftEvent, before it is put in a format (Slack, Teams, generic):
 * every format names the shift and its namespace, the step N/M, the weights, the reason and the
 * link, from this one record.
 */
import type { HookContext, ShiftEvent, ShiftEventType } from '../shift/index.js';
import type { Phase } from '../spec/phase.js';
import type { Severity } from '../spec/notifications.js';
import { fillLink } from './link-template.js';

export interface NotificationMessage {
  severity: Severity;
  event: ShiftEventType;
  /** One line: `echo/echo: Breach at step 2/4`. */
  title: string;
  /** The engine's sentence about the event. */
  text: string;
  shift: { name: string; namespace: string };
  phase: Phase;
  /** Counted from 1; absent before the first step. */
  step?: number;
  steps: number;
  weights: { stable: number; canary: number };
  reason?: string;
  link?: string;
  /** Epoch milliseconds. */
  at: number;
}

export function notificationMessage(event: ShiftEvent, context: HookContext, severity: Severity, linkTemplate: string | undefined, at: number): NotificationMessage {
  const { name, namespace } = context.shift;
  const where = context.step === undefined ? 'before the first step' : `at step ${context.step}/${context.steps}`;
  const vars = { name, namespace, step: context.step === undefined ? '' : String(context.step), phase: context.phase };
  return {
    severity,
    event: event.type,
    title: `${namespace}/${name}: ${event.type} ${where}`,
    text: event.message,
    shift: { name, namespace },
    phase: context.phase,
    ...(context.step !== undefined && { step: context.step }),
    steps: context.steps,
    weights: { stable: 100 - context.canaryWeight, canary: context.canaryWeight },
    ...(context.reason !== undefined && { reason: context.reason }),
    ...(linkTemplate !== undefined && { link: fillLink(linkTemplate, vars) }),
    at,
  };
}

/** `stable 75% / canary 25%`. */
export function weightsText(message: NotificationMessage): string {
  return `stable ${message.weights.stable}% / canary ${message.weights.canary}%`;
}

/** `2/4`, or `-/4` before the first step. */
export function stepText(message: NotificationMessage): string {
  return `${message.step ?? '-'}/${message.steps}`;
}

/** The labelled facts every format shows, in order. */
export function messageFacts(message: NotificationMessage): { title: string; value: string }[] {
  return [
    { title: 'Shift', value: `${message.shift.namespace}/${message.shift.name}` },
    { title: 'Step', value: stepText(message) },
    { title: 'Weights', value: weightsText(message) },
    { title: 'Phase', value: message.phase },
    ...(message.reason !== undefined ? [{ title: 'Reason', value: message.reason }] : []),
  ];
}
