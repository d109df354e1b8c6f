import pino from 'pino';

export type LogFields = Record<string, unknown>;

/** The logger every component receives; never a global. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Structured JSON lines (pino) on the given stream, stderr by default. */
export function jsonLogger(level: LogLevel = 'info', stream: NodeJS.WritableStream = process.stderr): Logger {
  return wrapPino(pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.epochTime }, stream));
}

function wrapPino(p: pino.Logger): Logger {
  return {
    debug: (msg, fields) => p.debug(fields ?? {}, msg),
    info: (msg, fields) => p.info(fields ?? {}, msg),
    warn: (msg, fields) => p.warn(fields ?? {}, msg),
    error: (msg, fields) => p.error(fields ?? {}, msg),
    child: (bindings) => wrapPino(p.child(bindings)),
  };
}

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

export interface LogRecord {
  level: Exclude<LogLevel, 'silent'>;
  msg: string;
  fields: LogFields;
}

/** Keeps records in memory: for tests that assert what was logged. */
export class MemoryLogger implements Logger {
  constructor(
    readonly records: LogRecord[] = [],
    private readonly bindings: LogFields = {},
  ) {}
  debug(msg: string, fields?: LogFields): void { this.push('debug', msg, fields); }
  info(msg: string, fields?: LogFields): void { this.push('info', msg, fields); }
  warn(msg: string, fields?: LogFields): void { this.push('warn', msg, fields); }
  error(msg: string, fields?: LogFields): void { this.push('error', msg, fields); }
  child(bindings: LogFields): Logger {
    return new MemoryLogger(this.records, { ...this.bindings, ...bindings });
  }
  private push(level: LogRecord['level'], msg: string, fields?: LogFields): void {
    this.records.push({ level, msg, fields: { ...this.bindings, ...fields } });
  }
}
