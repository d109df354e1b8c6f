import type { Phase } from '../spec/phase.js';

/** Exit codes of every tcpshift command (DESIGN section 3). */
export const ExitCode = {
  /** Promoted, or the command succeeded. */
  Ok: 0,
  /** Unexpected error. */
  Error: 1,
  /** Invalid input: nothing was written. */
  Invalid: 2,
  /** Rolled back after a breach (or, for `probe`, breakage seen). */
  RolledBack: 3,
  /** Aborted or paused. */
  Aborted: 4,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The code a shift that stands in this phase exits with; undefined while it runs (Pending, Progressing). */
export function exitCodeOfPhase(phase: Phase, rollbackCause: string | undefined): ExitCode | undefined {
  switch (phase) {
    case 'Promoted':
      return ExitCode.Ok;
    case 'RolledBack':
      return rollbackCause === 'breach' ? ExitCode.RolledBack : ExitCode.Aborted;
    case 'Aborted':
    case 'Paused':
      return ExitCode.Aborted;
    case 'Failed':
      return ExitCode.Error;
    default:
      return undefined;
  }
}
