/**
 * metav1.MicroTime: RFC 3339 with exactly six fractional digits (`2026-11-21T10:54:00.123000Z`),
 * as Lease acquireTime/renewTime and Event eventTime require; metav1.Time has whole seconds.
 */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function formatTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Epoch milliseconds of a Time or MicroTime, or undefined when absent or unreadable. */
export function parseTime(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}
