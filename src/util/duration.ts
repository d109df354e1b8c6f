/**
 * Go-style durations as Kubernetes and Istio write them: `500ms`, `45s`, `1m30s`, `2h`, `1.5s`.
 * Units: ms, s, m, h. Parsing returns milliseconds; formatting gives the shortest exact string.
 * Every duration fits a Node timer: setTimeout turns anything above 2^31-1 ms into 1 ms with a
 * TimeoutOverflowWarning (node lib/internal/timers.js, TIMEOUT_MAX), so `1000000h` once re-armed a
 * bake timer every millisecond. Longer text or values are not durations here.
 */
export const MAX_DURATION_MS = 2 ** 31 - 1;
/** Longer than any sensible duration (`23h59m59.999s` is 13); a 400-digit number is not one. */
export const MAX_DURATION_CHARS = 32;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const TERM = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;

export const DURATION_HELP = 'a duration such as 500ms, 45s, 1m30s or 2h (units ms, s, m, h; at most 596h)';

/** Milliseconds for a duration string, or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '' || s.length > MAX_DURATION_CHARS) return undefined;
  if (s === '0') return 0;
  TERM.lastIndex = 0;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    TERM.lastIndex = pos;
    const m = TERM.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = TERM.lastIndex;
  }
  const ms = Math.round(total);
  return ms <= MAX_DURATION_MS ? ms : undefined;
}

/** Like parseDuration, but throws a message naming `what` when the text is not a duration. */
export function requireDuration(text: string, what: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`${what}: '${text}' is not ${DURATION_HELP}`);
  return ms;
}

/** Shortest exact form: 90000 -> "1m30s", 1500 -> "1.5s", 250 -> "250ms", 0 -> "0s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  let rest = ms;
  let out = '';
  const h = Math.floor(rest / 3_600_000);
  if (h > 0) { out += `${h}h`; rest -= h * 3_600_000; }
  const m = Math.floor(rest / 60_000);
  if (m > 0) { out += `${m}m`; rest -= m * 60_000; }
  if (rest > 0) out += `${Number((rest / 1000).toFixed(3))}s`;
  return out;
}
