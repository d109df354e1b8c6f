/**
 * The analysis policy, pure: from what the probes saw in a step and the spec's `analysis` fields,
 * the breaches (each with the time it was seen and a message) and informative notes.
 *
 * - Long-lived connections: every end but `drained` is an echo error (closed or reset outside
 *   the drain window, timeout = silent death, corrupt, refused top-up); more than
 *   maxEchoErrors in a step is a breach, seen at the end that crossed the limit. A `drained` end
 *   is a breach only under `existingConnections: preserve`.
 * - New connections: `perStep` is the number of attempts per step. The failure rate is
 *   failed / attempted when sampling ends, compared with maxNewConnectionFailureRate; a breach is
 *   called early once more than rate x perStep attempts failed (no later result can undo it).
 * - Split: the sequential test decides as soon as it can; `inconsistent` is a breach when
 *   sampling ends (so failures, which bias the observed share, are counted first and named);
 *   `undecided` (perStep reached first) is a note, not a breach.
 */
import { describeEnd, describeEnds, END_KINDS, type EndKind, type EndedConnection, type LongLivedBlock, type NewConnectionsBlock } from '../probe/index.js';
import type { StepPortReport } from '../report/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import { expectedSplitSamples } from './plan.js';

export type BreachKind = 'echo-errors' | 'drain' | 'failure-rate' | 'split' | 'preflight' | 'external-change' | 'metric';

export interface Breach {
  kind: BreachKind;
  /** When it was seen (epoch ms): the end that crossed the limit, or the assessment time. */
  at: number;
  message: string;
}

/** What the probes saw in the current step (or, before the first step, since they started). */
export interface StepObservation {
  longLived: LongLivedBlock;
  /** undefined until the step's sampling starts. */
  newConnections?: NewConnectionsBlock;
  /** The step's sampling has ended (perStep attempts made, or stopped). */
  samplingDone: boolean;
  /**
   * A multi-port shift (istio target.matchPorts): each match port's blocks (the fields above
   * merge them). New connections are judged per port, so a port that fails is a breach of the
   * step that names it; long-lived ends are judged together, each tagged with its port.
   */
  ports?: PortObservation[];
}

/** One match port's probes in a step, as the report keeps them, and whether its sampling ended. */
export interface PortObservation extends StepPortReport {
  samplingDone: boolean;
}

/** The step report's `ports` breakdown of an observation (absent for a single-route shift). */
export function portReports(observation: StepObservation): { ports?: StepPortReport[] } {
  return observation.ports ? { ports: observation.ports.map(({ samplingDone: _done, ...port }) => port) } : {};
}

export interface Assessment {
  breaches: Breach[];
  notes: string[];
}

const percent = (x: number): string => `${Number((x * 100).toFixed(1))}%`;

/** Ends of a block (connections that ended in its period), oldest first. */
export function endsOf(block: LongLivedBlock): EndedConnection[] {
  return block.connections
    .filter((c): c is EndedConnection => c.end !== null && c.endedAt !== null)
    .sort((a, b) => a.endedAt - b.endedAt || a.id - b.id);
}

export function assessLongLived(spec: ResolvedSpec, block: LongLivedBlock): Breach[] {
  const { maxEchoErrors, existingConnections } = spec.analysis;
  const breaches: Breach[] = [];
  const ends = endsOf(block);
  if (existingConnections === 'preserve') {
    const drained = ends.find((e) => e.end === 'drained');
    if (drained) {
      breaches.push({
        kind: 'drain',
        at: drained.endedAt,
        message: `long-lived ${describeEnd(drained)}: an existing connection was cut by the gateway's drain after the weight change (existingConnections: preserve)`,
      });
    }
  }
  const errors = ends.filter((e) => e.end !== 'drained');
  const crossing = errors[maxEchoErrors];
  if (crossing) {
    const count = maxEchoErrors === 0 ? '' : `${errors.length} long-lived connection errors > maxEchoErrors ${maxEchoErrors}; `;
    breaches.push({ kind: 'echo-errors', at: crossing.endedAt, message: `${count}long-lived ${describeEnd(crossing)}` });
  }
  return breaches;
}

function failureKinds(block: NewConnectionsBlock): string {
  return Object.entries(block.failuresByKind)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
}

export function assessNewConnections(spec: ResolvedSpec, block: NewConnectionsBlock, final: boolean, now: number): Assessment {
  const { maxNewConnectionFailureRate: maxRate, splitTolerance, splitConfidence } = spec.analysis;
  const perStep = spec.probe.newConnections.perStep;
  const breaches: Breach[] = [];
  const notes: string[] = [];
  const limit = `maxNewConnectionFailureRate ${percent(maxRate)}`;
  if (block.failed > maxRate * perStep) {
    breaches.push({
      kind: 'failure-rate',
      at: now,
      message: `new connections: ${block.failed} failed (${failureKinds(block)}) of ${perStep} per step: above ${limit} whatever the rest do`,
    });
  } else if (final && block.attempted > 0 && block.failed / block.attempted > maxRate) {
    breaches.push({
      kind: 'failure-rate',
      at: now,
      message: `new connections: ${block.failed} of ${block.attempted} failed (${percent(block.failed / block.attempted)}: ${failureKinds(block)}) > ${limit}`,
    });
  }
  const split = block.split;
  if (!final || !split) return { breaches, notes };
  const observed =
    block.observedCanaryShare === null
      ? 'no identified connection'
      : `observed canary share ${percent(block.observedCanaryShare)} [${percent(block.interval[0])}, ${percent(block.interval[1])}]`;
  const target = `target ${percent(split.targetShare)} (tolerance ${split.tolerance}, confidence ${split.confidence})`;
  if (split.decision === 'inconsistent') {
    breaches.push({ kind: 'split', at: now, message: `${observed} over ${split.samples} identified connections is inconsistent with the ${target}` });
  } else if (split.decision === 'undecided') {
    const needed = expectedSplitSamples(split.targetShare, splitTolerance, splitConfidence);
    notes.push(`split undecided after ${split.samples} identified connections (perStep ${perStep}, ~${needed} needed on average): ${observed}, ${target}`);
  } else {
    notes.push(`split consistent after ${split.samples} identified connections: ${observed}, ${target}`);
  }
  if (block.attempted === 0) notes.push('no new connection was sampled in this step');
  return { breaches, notes };
}

/** Assess a step: every breach (oldest first) and the notes; `final` when the bake is over. */
export function assessStep(spec: ResolvedSpec, observation: StepObservation, final: boolean, now: number): Assessment {
  const breaches = assessLongLived(spec, observation.longLived);
  const notes: string[] = [];
  for (const assessed of newConnectionAssessments(spec, observation, final, now)) {
    breaches.push(...assessed.breaches);
    notes.push(...assessed.notes);
  }
  breaches.sort((a, b) => a.at - b.at);
  return { breaches, notes };
}

/** The step's new connections judged as one block, or per match port (each message prefixed with its port). */
function newConnectionAssessments(spec: ResolvedSpec, observation: StepObservation, final: boolean, now: number): Assessment[] {
  if (!observation.ports) {
    return observation.newConnections ? [assessNewConnections(spec, observation.newConnections, final || observation.samplingDone, now)] : [];
  }
  return observation.ports.map((port) => {
    const assessed = assessNewConnections(spec, port.newConnections, final || port.samplingDone, now);
    const named = (message: string): string => `port ${port.matchPort}: ${message}`;
    return { breaches: assessed.breaches.map((b) => ({ ...b, message: named(b.message) })), notes: assessed.notes.map(named) };
  });
}

/**
 * Before the first weight change the gateway serves the original weights: any long-lived
 * connection failing then means the environment is broken, and a shift would blame the canary.
 */
export function preflightBreaches(block: LongLivedBlock): Breach[] {
  const errors = endsOf(block).filter((e) => e.end !== 'drained');
  if (errors.length === 0) return [];
  const counts = Object.fromEntries(END_KINDS.map((k) => [k, errors.filter((e) => e.end === k).length])) as Record<EndKind, number>;
  return [
    {
      kind: 'preflight',
      at: errors[0]!.endedAt,
      message: `pre-flight: long-lived probe connections failed before any weight change (${describeEnds(counts)}; first: ${describeEnd(errors[0]!)}); check the probe address and the stable version`,
    },
  ];
}
