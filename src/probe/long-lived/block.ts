import { END_KINDS, type EndKind, type LongLivedBlock, type LongLivedConnectionRecord } from '../report-blocks.js';

/** Zero for every end kind. */
export function emptyEnds(): Record<EndKind, number> {
  return Object.fromEntries(END_KINDS.map((k) => [k, 0])) as Record<EndKind, number>;
}

/** The report block of a period: its ended connections, those still open, its heartbeats. */
export function longLivedBlock(
  ended: readonly LongLivedConnectionRecord[],
  open: readonly LongLivedConnectionRecord[],
  heartbeats: number,
): LongLivedBlock {
  const ends = emptyEnds();
  let maxDetectionMs: number | null = null;
  for (const record of ended) {
    if (record.end) ends[record.end]++;
    if (record.end === 'timeout' && record.detectionMs !== undefined) {
      maxDetectionMs = Math.max(maxDetectionMs ?? 0, record.detectionMs);
    }
  }
  const connections = [...ended, ...open].sort((a, b) => a.id - b.id);
  return { open: open.length, heartbeats, ends, maxDetectionMs, connections };
}
