// A `shift` on a route that already carries canary traffic: already promoted (same routing spec,
// 100 % canary), refused, or started again from stable with --restart.
import { describe, expect, it } from 'vitest';
import type { RouteSnapshot } from '../../src/router/index.js';
import { CanaryTrafficError, rerunVerdict, ShiftAnnotations } from '../../src/shift/index.js';
import { shiftDocument } from '../support/shift-fixtures.js';
import { withChanges } from '../spec/examples.js';

function route(stable: number, canary: number, stored?: unknown): RouteSnapshot {
  const annotations: Record<string, string> = stored === undefined ? {} : { [ShiftAnnotations.spec]: JSON.stringify(stored) };
  const total = stable + canary;
  const weights = { stable, canary, total, share: total === 0 ? 0 : canary / total };
  return { object: { metadata: { name: 'echo', namespace: 'echo' } }, weights, shape: { stable: { weight: stable }, canary: { weight: canary } }, annotations, labels: {}, resourceVersion: '9' };
}

const spec = shiftDocument();
const options = { restart: false, name: 'demo', description: 'VirtualService echo/echo' };

describe('rerunVerdict', () => {
  it('a route sending the canary nothing is a fresh start', () => {
    expect(rerunVerdict(route(100, 0), spec, options)).toBe('fresh');
  });

  it('100 % canary under the same routing spec is already promoted, whatever the schedule or probes', () => {
    const sameRouting = withChanges(spec, { 'spec.schedule.steps': [50, 100], 'spec.probe.address': '10.0.0.1:31400' });
    expect(rerunVerdict(route(0, 100, spec), sameRouting, options)).toBe('already-promoted');
  });

  it('100 % canary of another canary, or with no spec kept on the route, is refused with what to do', () => {
    expect(() => rerunVerdict(route(0, 100, spec), withChanges(spec, { 'spec.canary.subset': 'v3' }), options)).toThrow(CanaryTrafficError);
    expect(() => rerunVerdict(route(0, 100), spec, options)).toThrow(/already sends 100% of new connections to the canary .*--restart.*tcpshift resume demo/);
  });

  it('part of the traffic on the canary is refused, and --restart starts again from stable', () => {
    expect(() => rerunVerdict(route(70, 30, spec), spec, options)).toThrow(/VirtualService echo\/echo already sends 30%/);
    expect(rerunVerdict(route(70, 30, spec), spec, { ...options, restart: true })).toBe('restart');
    expect(rerunVerdict(route(0, 100, spec), spec, { ...options, restart: true })).toBe('restart');
  });

  it('weights are read as shares: 1 of 4 on the canary is 25 %', () => {
    expect(() => rerunVerdict(route(3, 1, spec), spec, options)).toThrow(/already sends 25%/);
  });
});
