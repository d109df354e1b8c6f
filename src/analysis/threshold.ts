/** What one evaluation of a metric check found. */
export type MetricVerdict = 'ok' | 'failed' | 'no-data';

export interface ThresholdRange {
  min?: number;
  max?: number;
}

/** ok when min <= value <= max (each bound optional); no value (no series, NaN, no answer) is no-data. */
export function verdictOf(value: number | null, range: ThresholdRange): MetricVerdict {
  if (value === null || Number.isNaN(value)) return 'no-data';
  if (range.min !== undefined && value < range.min) return 'failed';
  if (range.max !== undefined && value > range.max) return 'failed';
  return 'ok';
}

/** `[0.1, -]`, `[-, 0.05]`: the range as the live view and messages show it. */
export function describeRange(range: ThresholdRange): string {
  return `[${range.min ?? '-'}, ${range.max ?? '-'}]`;
}

/** A value as messages show it: up to four significant digits. */
export function describeValue(value: number | null): string {
  return value === null ? 'no data' : String(Number(value.toPrecision(4)));
}
