/**
 * One message per transition. The engine tells a transition as several events, and the
 * controller may tell one again when it retries a reconcile; a chat channel should hear it once:
 * - `RollingBack` right after a `Breach` is that breach's rollback: the breach message says it.
 * - `Paused` right after an `ExternalChange` is that change's pause: the change message says it.
 * - `StepPassed` of the last step is followed by `Promoting`/`Promoted`: the promotion says it.
 * - The same event type at the same step as the last one messaged is a repeat.
 * The rest are their own transitions (a breach is seen, then the rollback ends: two messages).
 */
import type { HookContext, ShiftEvent, ShiftEventType } from '../shift/index.js';

/** Events folded into the one just before them for the same shift. */
const FOLDED_AFTER: Partial<Record<ShiftEventType, ShiftEventType>> = { RollingBack: 'Breach', Paused: 'ExternalChange' };

/** How many shifts' last events are remembered (a controller serves many; the oldest are forgotten first). */
const MAX_SHIFTS = 10_000;

export class EventFolding {
  private readonly last = new Map<string, { type: ShiftEventType; step: number | undefined }>();

  /** Whether this event is a message of its own; remembers it either way. */
  admit(event: ShiftEvent, context: HookContext): boolean {
    const key = `${context.shift.namespace}/${context.shift.name}`;
    const previous = this.last.get(key);
    this.remember(key, { type: event.type, step: context.step });
    if (event.type === 'StepPassed' && context.step === context.steps) return false;
    if (previous === undefined) return true;
    if (FOLDED_AFTER[event.type] === previous.type) return false;
    return !(previous.type === event.type && previous.step === context.step);
  }

  private remember(key: string, value: { type: ShiftEventType; step: number | undefined }): void {
    this.last.delete(key);
    this.last.set(key, value);
    if (this.last.size > MAX_SHIFTS) {
      const oldest = this.last.keys().next().value;
      if (oldest !== undefined) this.last.delete(oldest);
    }
  }
}
