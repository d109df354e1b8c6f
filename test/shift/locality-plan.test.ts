// Strategy locality in the pure engine: no reconnect waves, no drain window, bakes need not cover
// drainDuration, and under `preserve` any close of a long-lived connection is a breach.
import { describe, expect, it } from 'vitest';
import { assessLongLived, decide, initialState, planWarnings, reconnectPlan, weightChangeDrains, weightSettleMs, type ShiftState } from '../../src/shift/index.js';
import { ended, longLived, observation, open, probe, route, shiftFor, T0 } from '../support/shift-fixtures.js';

const locality = shiftFor({ 'spec.strategy': 'locality', 'spec.schedule.bake': '4s', 'spec.analysis.drainDuration': '45s', 'spec.analysis.existingConnections': 'preserve' }).spec;
const routeSpec = shiftFor({ 'spec.schedule.bake': '4s', 'spec.analysis.drainDuration': '45s', 'spec.analysis.existingConnections': 'preserve' }).spec;

describe('plan under strategy locality', () => {
  it('says 0 reconnect waves, where the route strategy counts one per weight change', () => {
    expect(reconnectPlan(locality)).toMatch(/^0 reconnect waves: the weights move through the DestinationRule's locality distribute \(EDS\)/);
    expect(reconnectPlan(routeSpec)).toMatch(/^3 weight changes = 3 reconnect waves/);
    expect(weightChangeDrains(locality)).toBe(false);
    expect(weightChangeDrains(routeSpec)).toBe(true);
  });

  it('does not ask the bakes to cover drainDuration', () => {
    expect(planWarnings(routeSpec).some((w) => w.includes('drainDuration'))).toBe(true);
    expect(planWarnings(locality).some((w) => w.includes('drainDuration'))).toBe(false);
  });

  it('samples new connections only after the EDS merge window (1 s) and a push', () => {
    expect(weightSettleMs(locality)).toBeGreaterThanOrEqual(1500);
  });
});

describe('decide under strategy locality', () => {
  const stepping: ShiftState = { ...initialState(T0), phase: 'stepping', stepIndex: 0, original: { stable: 100, canary: 0 } };

  it('bakes a step without a drain window and announces the change for the sampling settle only', () => {
    const d = decide(locality, stepping, observation(route(20, T0 + 40), probe({ stepIndex: 0 })), T0 + 45);
    expect(d.state).toMatchObject({ phase: 'baking', weightChangedAt: T0 + 40 });
    expect(d.state.drainWindow).toBeUndefined();
    expect(d.actions).toEqual([{ type: 'startSampling', stepIndex: 0, targetShare: 0.2, weightChange: { at: T0 + 40 } }]);
  });

  it('rolls back on any close of a long-lived connection under preserve', () => {
    const baking = decide(locality, stepping, observation(route(20, T0), probe({ stepIndex: 0 })), T0).state;
    const closed = longLived([open(1), ended(2, 'closed', T0 + 700)]);
    expect(assessLongLived(locality, closed).map((b) => b.kind)).toEqual(['echo-errors']);
    const d = decide(locality, baking, observation(route(20, T0), probe({ stepIndex: 0, sampling: true, longLived: closed })), T0 + 710);
    expect(d.state.phase).toBe('rolling-back');
  });
});
