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
