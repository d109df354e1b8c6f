import { z } from 'zod';
import { PHASES } from './phase.js';

/**
 * The status the controller writes on a TCPShift (status subresource). Declared here so the CRD
 * carries its schema; phase is the one vocabulary of src/spec/phase.ts; `steps`, `rollback` and `split` are free-form report blocks.
 */

const freeForm = z.record(z.string(), z.unknown());

export const conditionSchema = z.object({
  type: z.string().min(1).max(316),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().max(1024).optional(),
  message: z.string().max(32768).optional(),
  lastTransitionTime: z.string().describe('RFC 3339 time of the last status change.'),
  observedGeneration: z.number().int().min(0).optional(),
});

const count = z.number().int().min(0);

/** status.probes: the totals of src/shift/probe-totals.ts, as a CLI shift publishes them on its route. */
export const probeTotalsSchema = z.object({
  at: z.string().describe('When the counters were taken (RFC 3339).'),
  step: count.describe('The step they belong to, counted from 1 (0 before the first).'),
  longLived: z.object({ wanted: count, open: count, heartbeats: count, ends: z.record(z.string(), count).describe('Ends by kind since the probes started: drained, closed, reset, timeout, corrupt, refused.') }),
  newConnections: z
    .object({ attempted: count, succeeded: count, failed: count, observedCanaryShare: z.number().min(0).max(1).optional(), interval: z.array(z.number()), split: z.string().optional() })
    .optional()
    .describe("The current step's new connections so far."),
});

export const tcpshiftStatusSchema = z.object({
  phase: z.enum(PHASES).optional(),
  currentStep: z.number().int().min(1).optional().describe('Number of the current step, counted from 1 (1 is the first entry of spec.schedule.steps), as kubectl shows it; absent before the first step.'),
  weights: z.object({ stable: z.number().int().min(0), canary: z.number().int().min(0) }).optional(),
  observedGeneration: z.number().int().min(0).optional(),
  conditions: z.array(conditionSchema).optional(),
  steps: z.array(freeForm).optional().describe('Per-step results (report.json steps).'),
  rollback: freeForm.optional().describe('Rollback details when one happened.'),
  split: freeForm.optional().describe('Split test state of the current step.'),
  probes: probeTotalsSchema.optional().describe("The running shift's probe counters (totals), refreshed at most every --status-interval; absent when it does not probe."),
  engine: freeForm
    .optional()
    .describe('The shift engine state and the spec it runs (tcpshift internal): a restarted or standby controller resumes from it.'),
});

export type TCPShiftStatus = z.output<typeof tcpshiftStatusSchema>;
export type Condition = z.output<typeof conditionSchema>;
