/**
 * Long-lived connection ends for a person, not one line per end: the first end of a kind is
 * printed at once (with its detail); further ends of that kind within the same second are
 * counted and printed as one line when the second is over (`19 more refused in the last 1s`).
 * Probing a closed port for 10 s prints about 20 lines instead of about 200.
 */
import { describeEnd, type EndedConnection } from '../probe/index.js';
import type { Clock, TimerHandle } from '../util/clock.js';
import { formatDuration } from '../util/duration.js';

export class EndSummary {
  private readonly counted = new Map<string, number>();
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Pick<Clock, 'setTimer'>,
    private readonly print: (text: string) => void,
    private readonly windowMs = 1000,
  ) {}

  add(end: EndedConnection): void {
    const kind = end.end;
    const count = this.counted.get(kind);
    if (count !== undefined) {
      this.counted.set(kind, count + 1);
      return;
    }
    this.print(describeEnd(end));
    this.counted.set(kind, 0);
    this.timer ??= this.clock.setTimer(() => this.flush(), this.windowMs);
  }

  /** Print the counts held back (at the end of each window, and when progress stops). */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    for (const [kind, count] of this.counted) if (count > 0) this.print(`${count} more long-lived connection(s) ended: ${kind} in the last ${formatDuration(this.windowMs)}`);
    this.counted.clear();
  }
}
