import type { Clock } from '../util/clock.js';
import type { LogFields, Logger, LogLevel } from '../util/logger.js';

type Level = Exclude<LogLevel, 'silent'>;
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * Readable log lines: `2026-11-21T10:54:00.000Z INFO listening ports=[9000] version=v2`.
 * Values without spaces print bare, others as JSON; one line per record.
 */
export function textLogger(stream: NodeJS.WritableStream, clock: Pick<Clock, 'now'>, level: Level = 'info', bindings: LogFields = {}): Logger {
  const write = (at: Level) => (msg: string, fields?: LogFields): void => {
    if (RANK[at] < RANK[level]) return;
    const pairs = Object.entries({ ...bindings, ...fields }).map(([k, v]) => `${k}=${formatValue(v)}`);
    const head = `${new Date(clock.now()).toISOString()} ${at.toUpperCase()} ${msg}`;
    stream.write(pairs.length ? `${head} ${pairs.join(' ')}\n` : `${head}\n`);
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => textLogger(stream, clock, level, { ...bindings, ...more }),
  };
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(value.message);
  return JSON.stringify(value) ?? String(value);
}
