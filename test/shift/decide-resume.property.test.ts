// Crash and resume anywhere: the weights written are the schedule, once each and in order, and
// every step passes exactly once. Modelled for both ports: the CLI's (state and weight in one
// write) and a two-write port (state persisted first, then the weight, as the controller must).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide, initialState, isTerminal, resumeState, type ProbeStatus, type ShiftState } from '../../src/shift/index.js';
import { longLived, newConnections, shiftFor, T0 } from '../support/shift-fixtures.js';

const spec = shiftFor({ 'spec.schedule.steps': [10, 25, 50, 100] }).spec;

type PortKind = 'atomic' | 'state-then-weight';

interface World {
  now: number;
  weight: number;
  changedAt: number | undefined;
  persisted: ShiftState;
  probe: { ready: boolean; stepIndex: number | undefined; sampling: boolean; samplingStartedAt: number };
  writes: number[];
}

function probeStatus(w: World): ProbeStatus {
  const samplingDone = w.probe.sampling && w.now - w.probe.samplingStartedAt > 2000;
  return {
    ready: w.probe.ready,
    stepIndex: w.probe.stepIndex,
    sampling: w.probe.sampling,
    observation: { longLived: longLived([]), ...(w.probe.sampling ? { newConnections: newConnections({ ok: 100, canary: 10, split: {} }) } : {}), samplingDone },
  };
}

/** Run to the end; `crashAt` says after which decisions (and, for two-write ports, between the writes) the process dies. */
function simulate(port: PortKind, crashAt: Set<number>, crashBetweenWrites: Set<number>): { world: World; state: ShiftState } {
  const world: World = { now: T0, weight: 0, changedAt: undefined, persisted: initialState(T0), probe: { ready: true, stepIndex: undefined, sampling: false, samplingStartedAt: 0 }, writes: [] };
  let state = world.persisted;
  for (let tick = 0; tick < 500 && !isTerminal(state.phase); tick++) {
    const d = decide(spec, state, { route: { canaryWeight: world.weight, stableWeight: 100 - world.weight, ...(world.changedAt !== undefined ? { changedAt: world.changedAt } : {}) }, probe: probeStatus(world) }, world.now);
    state = d.state;
    let crashed = false;
    for (const action of d.actions) {
      if (action.type === 'setWeight') {
        if (port === 'state-then-weight') {
          world.persisted = JSON.parse(JSON.stringify(state)) as ShiftState;
          if (crashBetweenWrites.has(tick)) {
            crashed = true;
            break;
          }
        } else world.persisted = JSON.parse(JSON.stringify(state)) as ShiftState;
        if (world.weight !== action.canaryWeight) world.writes.push(action.canaryWeight);
        world.weight = action.canaryWeight;
        world.changedAt = world.now;
      } else if (action.type === 'markStep') world.probe = { ...world.probe, stepIndex: action.stepIndex, sampling: false };
      else if (action.type === 'startSampling') world.probe = { ...world.probe, sampling: true, samplingStartedAt: world.now };
      else if (action.type === 'persist') world.persisted = JSON.parse(JSON.stringify(state)) as ShiftState;
    }
    if (port === 'state-then-weight' && !crashed) world.persisted = JSON.parse(JSON.stringify(state)) as ShiftState;
    world.now = d.wakeAt !== undefined && d.actions.length === 0 ? d.wakeAt : world.now + 7;
    if (crashed || crashAt.has(tick)) {
      // A new process: the persisted state, resumed; fresh probes; nothing known about who wrote the weight.
      state = isTerminal(world.persisted.phase) ? world.persisted : resumeState(world.persisted, world.now);
      world.probe = { ready: true, stepIndex: undefined, sampling: false, samplingStartedAt: 0 };
      world.changedAt = undefined;
      world.now += 500;
    }
  }
  return { world, state };
}

describe('decide across crashes and resumes', () => {
  for (const port of ['atomic', 'state-then-weight'] as const) {
    it(`${port} port: the schedule is written once, in order, and every step passes once`, () => {
      fc.assert(
        fc.property(fc.uniqueArray(fc.nat(60), { maxLength: 12 }), fc.uniqueArray(fc.nat(60), { maxLength: 6 }), (crashes, between) => {
          const { world, state } = simulate(port, new Set(crashes), new Set(between));
          expect(state.phase).toBe('promoted');
          expect(world.writes).toEqual([10, 25, 50, 100]);
          expect(state.steps.map((s) => [s.index, s.verdict])).toEqual([[0, 'ok'], [1, 'ok'], [2, 'ok'], [3, 'ok']]);
        }),
        { numRuns: 300 },
      );
    });
  }
});
