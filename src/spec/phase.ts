/**
 * The one phase vocabulary a person reads: CLI output, `status -o json|yaml`, `get`/`list`,
 * TCPShift `.status.phase`, Events and report.json. Kubernetes style (the controller's), so the
 * same word names the same thing whichever side runs the shift. The engine's finer states
 * (stepping, baking, promoting, rolling-back: src/shift/state.ts) are its `activity` inside
 * `Progressing`; they stay in the stored engine state, where renaming them would strand the
 * state of shifts already running.
 */
export const PHASES = ['Pending', 'Progressing', 'Paused', 'Promoted', 'RolledBack', 'Aborted', 'Failed'] as const;
export type Phase = (typeof PHASES)[number];

/** A shift in one of these has ended: nothing runs, nothing will be written without a new request. */
export const ENDED_PHASES: readonly Phase[] = ['Promoted', 'RolledBack', 'Aborted', 'Failed'];

export function isEnded(phase: Phase): boolean {
  return ENDED_PHASES.includes(phase);
}

/** The engine's own phase names (src/shift/state.ts ShiftPhase) and what a person reads for each. */
const ENGINE_PHASES: Readonly<Record<string, Phase>> = {
  pending: 'Pending',
  stepping: 'Progressing',
  baking: 'Progressing',
  waiting: 'Progressing',
  promoting: 'Progressing',
  'rolling-back': 'Progressing',
  paused: 'Paused',
  promoted: 'Promoted',
  'rolled-back': 'RolledBack',
  aborted: 'Aborted',
  failed: 'Failed',
};

/**
 * A phase as stored anywhere, old or new: a Phase as is; an engine phase or a name earlier CLI
 * versions printed (`baking`, `rolled-back`) mapped; anything else undefined. TCPShifts written
 * before `Aborted` existed say `RolledBack` for an abort, which stays RolledBack (their
 * conditions' reason `Aborted` still tells).
 */
export function readPhase(text: unknown): Phase | undefined {
  if (typeof text !== 'string') return undefined;
  if ((PHASES as readonly string[]).includes(text)) return text as Phase;
  return ENGINE_PHASES[text];
}
