import type { Clock } from '../util/clock.js';
import type { LogFields, Logger } from '../util/logger.js';

/**
 * A warning said at most once per key per interval (a notification endpoint that is down must
 * not flood the shift's log): the ones held back are counted and the next warning says how many.
 */
export class ThrottledLog {
  private readonly lastAt = new Map<string, number>();
  private readonly held = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly intervalMs = 60_000,
  ) {}

  warn(key: string, msg: string, fields: LogFields = {}): void {
    const now = this.clock.monotonic();
    const last = this.lastAt.get(key);
    if (last !== undefined && now - last < this.intervalMs) {
      this.held.set(key, (this.held.get(key) ?? 0) + 1);
      return;
    }
    const suppressed = this.held.get(key) ?? 0;
    this.lastAt.set(key, now);
    this.held.delete(key);
    this.logger.warn(msg, suppressed > 0 ? { ...fields, suppressed } : fields);
  }
}
