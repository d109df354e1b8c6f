/**
 * How a running shift reaches the outside world at its step boundaries (spec.webhooks and
 * spec.notifications): the CLI runner and the controller's engine driver call this port; the
 * implementation (HTTP, signatures, retries, chat formats) lives above the engine. The engine
 * itself stays pure: a hook's answer enters `decide` as part of the observation.
 */
import type { StepReport } from '../report/index.js';
import type { Phase } from '../spec/phase.js';
import type { HookType } from '../spec/webhooks.js';
import type { ShiftEvent } from './decide.js';

/**
 * When a hook is called:
 * - `pre-step`: before each step's weight write; a failure fails the step (rollback).
 * - `confirm-step`: a gate before each step's weight write; polled until it answers 2xx, the shift waits (probes keep running).
 * - `post-step`: after each step passed, informative.
 * - `confirm-promotion`: a gate before the final write to canary 100.
 * - `rollback`: once a rollback starts, informative.
 * - `event`: every ShiftEvent, fire and forget.
 */
export { HOOK_TYPES, type HookType } from '../spec/webhooks.js';

/** What a hook is told: the shift, where it stands and (post-step, rollback) the step's results. */
export interface HookContext {
  shift: { name: string; namespace: string };
  phase: Phase;
  /** The step concerned, counted from 1; absent before the first step. */
  step?: number;
  /** How many steps the schedule has. */
  steps: number;
  /** The canary weight in place (pre-step, confirm-step: the weight about to be written). */
  canaryWeight: number;
  reason?: string;
  event?: ShiftEvent;
  results?: StepReport;
}

/** One hook's answer after its retries; `ok` is a 2xx. */
export interface HookResult {
  name: string;
  type: HookType;
  ok: boolean;
  status?: number;
  attempts: number;
  durationMs: number;
  error?: string;
}

export interface HookPort {
  /** Whether any hook of this type is configured. */
  has(type: HookType): boolean;
  /**
   * Call every hook of this type once (each with its own timeout and retries); resolves when all
   * have answered or given up. Never rejects. An aborted signal ends the waits at once (a
   * rollback must never wait for a hook).
   */
  call(type: HookType, context: HookContext, signal?: AbortSignal): Promise<HookResult[]>;
  /** Fire and forget: `event` hooks and notifications of this event. Never throws, never blocks. */
  notify(event: ShiftEvent, context: HookContext): void;
}

/** No hooks configured. */
export const noHooks: HookPort = {
  has: () => false,
  call: () => Promise.resolve([]),
  notify: () => undefined,
};
