/** p50/p99 of a set of measurements; null when there are none. */
export interface Summary {
  p50: number | null;
  p99: number | null;
}

/** Nearest-rank percentile (q in (0, 1]) of values; undefined for an empty list. */
export function percentile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return nearestRank(sorted, q);
}

function nearestRank(sorted: readonly number[], q: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] as number;
}

/** {p50, p99} rounded to `decimals` places (milliseconds to 0.01 by default). */
export function summarize(values: readonly number[], decimals = 2): Summary {
  if (values.length === 0) return { p50: null, p99: null };
  const sorted = [...values].sort((a, b) => a - b);
  const round = (x: number): number => Number(x.toFixed(decimals));
  return { p50: round(nearestRank(sorted, 0.5)), p99: round(nearestRank(sorted, 0.99)) };
}
