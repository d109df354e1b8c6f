import { VERSION_GROUP } from '../../spec/version-pattern.js';
import type { ReceiveBuffer } from './receive-buffer.js';
import type { CompiledStep } from './script.js';

export type SendStep = Extract<CompiledStep, { kind: 'send' }>;

/** Where a run of steps stands after advance(). */
export type RunState =
  /** Every step passed. */
  | { kind: 'done' }
  /** Waiting for bytes for this expect; its timer is the caller's. */
  | { kind: 'waiting'; step: CompiledStep; index: number; tentative: boolean }
  /** The bytes waiting exceed the receive bound without satisfying the expect. */
  | { kind: 'overflow'; step: CompiledStep; index: number };

/**
 * One pass over a list of steps (a connection's opening, or one heartbeat), pure: send steps are
 * handed to `send`, expects consume what arrived in the ReceiveBuffer. Call advance() after each
 * chunk; the result does not depend on how the bytes were split into chunks (one byte at a time
 * or all at once), which the property tests check. A regex expect is satisfied by the first match
 * found and consumes through its end (what follows stays for the next expect); a match whose
 * `version` group reaches the end of the bytes received is tentative (the version may go on in the
 * next chunk): it is taken when more bytes come or, by `settle()`, when the step's time is up.
 */
export class ScriptRun {
  private index = 0;
  /** The first non-empty `version` group an expect of this run captured. */
  captured: string | undefined;

  constructor(
    private readonly steps: readonly CompiledStep[],
    private readonly send: (step: SendStep) => void,
  ) {}

  advance(inbox: ReceiveBuffer, full: boolean): RunState {
    for (;;) {
      const step = this.steps[this.index];
      if (!step) return { kind: 'done' };
      if (step.kind === 'send') {
        this.send(step);
        this.index++;
        continue;
      }
      const taken = step.kind === 'expectBytes' ? takeBytes(step.count, inbox) : this.match(step, inbox, false);
      if (taken === 'tentative') return { kind: 'waiting', step, index: this.index, tentative: true };
      if (!taken) return full ? { kind: 'overflow', step, index: this.index } : { kind: 'waiting', step, index: this.index, tentative: false };
      this.index++;
    }
  }

  /** The step's time is up with a tentative match: take it; true when it did. */
  settle(inbox: ReceiveBuffer): boolean {
    const step = this.steps[this.index];
    if (step?.kind !== 'expect' || this.match(step, inbox, true) !== true) return false;
    this.index++;
    return true;
  }

  private match(step: Extract<CompiledStep, { kind: 'expect' }>, inbox: ReceiveBuffer, settling: boolean): boolean | 'tentative' {
    const text = inbox.text();
    const matcher = step.pattern.matcher(text);
    if (!matcher.find()) return false;
    if (step.namesVersion) {
      const end = matcher.end(VERSION_GROUP);
      if (!settling && end === text.length && end > matcher.start(VERSION_GROUP)) return 'tentative';
      const version = matcher.group(VERSION_GROUP);
      if (version) this.captured ??= version;
    }
    inbox.consume(matcher.end());
    return true;
  }
}

function takeBytes(count: number, inbox: ReceiveBuffer): boolean {
  if (inbox.length < count) return false;
  inbox.consume(count);
  return true;
}
