/**
 * The JSON body of a webhook delivery (README "Webhooks"). Steps are numbered from 1 and times
 * are ISO 8601, as in report.json: `results` is report.json's step (src/report/document.ts).
 * The delivery id and timestamp are inside the body, so the signature covers them; a retry sends
 * the same body (same id: a receiver can drop a duplicate).
 */
import { isoOf, stepDocument, type IsoTime, type StepDocument, type WeightPair } from '../report/index.js';
import type { HookContext } from '../shift/index.js';
import type { Phase } from '../spec/phase.js';
import type { ResolvedWebhook } from '../spec/resolved-shift.js';
import type { HookType } from '../spec/webhooks.js';

export const HOOK_PAYLOAD_API_VERSION = 'tcpshift.io/v1alpha1';
export const HOOK_PAYLOAD_KIND = 'HookDelivery';

export interface HookEventDocument {
  type: string;
  message: string;
  warning: boolean;
  /** The step the event concerns, from 1. */
  step?: number;
}

export interface HookPayload {
  apiVersion: typeof HOOK_PAYLOAD_API_VERSION;
  kind: typeof HOOK_PAYLOAD_KIND;
  deliveryId: string;
  timestamp: IsoTime;
  hook: { name: string; type: HookType };
  shift: { name: string; namespace: string };
  phase: Phase;
  /** The step concerned, from 1; absent before the first step. */
  step?: number;
  steps: number;
  /** In place, or (pre-step, confirm-step) about to be written. */
  weights: WeightPair;
  reason?: string;
  event?: HookEventDocument;
  results?: StepDocument;
  metadata: Record<string, string>;
}

export interface Delivery {
  id: string;
  at: number;
}

export function hookPayload(hook: ResolvedWebhook, context: HookContext, delivery: Delivery): HookPayload {
  const { event } = context;
  return {
    apiVersion: HOOK_PAYLOAD_API_VERSION,
    kind: HOOK_PAYLOAD_KIND,
    deliveryId: delivery.id,
    timestamp: isoOf(delivery.at),
    hook: { name: hook.name, type: hook.type },
    shift: { ...context.shift },
    phase: context.phase,
    ...(context.step !== undefined && { step: context.step }),
    steps: context.steps,
    weights: { stable: 100 - context.canaryWeight, canary: context.canaryWeight },
    ...(context.reason !== undefined && { reason: context.reason }),
    ...(event && {
      event: { type: event.type, message: event.message, warning: event.warning, ...(event.stepIndex !== undefined && { step: event.stepIndex + 1 }) },
    }),
    ...(context.results && { results: stepDocument(context.results) }),
    metadata: { ...hook.metadata },
  };
}
