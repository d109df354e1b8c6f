import { DURATION_HELP, formatDuration, MAX_DURATION_MS, parseDuration } from '../util/duration.js';
import { UsageError } from './errors.js';

/** An hour: the longest wait, timeout, heartbeat or lease a flag may ask for (README "Limits"). */
export const MAX_FLAG_WAIT_MS = 3_600_000;

export interface DurationBounds {
  /** Smallest allowed value in ms (default 0); `positive` refuses 0 as well. */
  minMs?: number;
  positive?: boolean;
  /** Largest allowed value in ms (default: what a Node timer holds, about 596 h). */
  maxMs?: number;
}

/**
 * Every duration flag of the CLI (`--timeout`, `--heartbeat`, `--lock-ttl`, controller timings,
 * ...): a UsageError (exit 2) naming the flag and its range when the text is not a duration in
 * bounds. parseDuration already refuses 400-digit numbers and what overflows Node's timers.
 */
export function durationFlag(flag: string, text: string, bounds: DurationBounds = {}): number {
  const { minMs = 0, positive = false, maxMs = MAX_DURATION_MS } = bounds;
  const ms = parseDuration(text);
  if (ms === undefined || ms < minMs || (positive && ms === 0) || ms > maxMs) {
    throw new UsageError(`${flag}: '${text}' is not ${rangeOf(minMs, positive, maxMs)} (${DURATION_HELP})`);
  }
  return ms;
}

function rangeOf(minMs: number, positive: boolean, maxMs: number): string {
  const max = formatDuration(maxMs);
  if (minMs > 0) return `a duration of at least ${formatDuration(minMs)}, up to ${max}`;
  return `a ${positive ? 'positive ' : ''}duration up to ${max}`;
}
