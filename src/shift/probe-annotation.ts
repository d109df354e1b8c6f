/**
 * A running CLI shift publishes its probe counters on its route (annotation tcpshift.io/probes,
 * per route like the state) so `tcpshift status NAME [-w]` in another terminal shows them. They
 * ride on the lock renewals (every third of --lock-ttl, 5 s by default): no write of their own,
 * and never on a step's or a rollback's write. Removed when the shift ends or pauses.
 */
import type { MetadataChanges } from '../router/index.js';
import { ShiftAnnotations } from './annotations.js';
import type { ProbeCounters } from './prober.js';
import { probeTotals, type ProbeTotals } from './probe-totals.js';

export interface PublishedProbes {
  /** When the counters were taken (ISO 8601). */
  at: string;
  /** The step they belong to, counted from 1 (0 before the first step). */
  step: number;
  counters: ProbeCounters;
}

export function probesAnnotation(counters: ProbeCounters, stepIndex: number, now: number): MetadataChanges {
  const published: PublishedProbes = { at: new Date(now).toISOString(), step: stepIndex + 1, counters };
  return { [ShiftAnnotations.probes]: JSON.stringify(published) };
}

export const clearProbes: MetadataChanges = { [ShiftAnnotations.probes]: null };

/** The published counters as totals (probe-totals.ts), or undefined when absent or not readable (they are informative only). */
export function readProbes(annotations: Readonly<Record<string, string>>): ProbeTotals | undefined {
  const text = annotations[ShiftAnnotations.probes];
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<PublishedProbes> | null;
    const valid = value && typeof value.at === 'string' && typeof value.step === 'number' && typeof value.counters === 'object' && value.counters !== null;
    return valid ? probeTotals(value.counters as ProbeCounters, (value.step as number) - 1, Date.parse(value.at as string)) : undefined;
  } catch {
    return undefined;
  }
}
