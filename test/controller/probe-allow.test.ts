// --probe-allow in the Reconciler: a TCPShift whose probe.address is outside it fails before any
// probe connection or route write, naming the field; an admitted name is probed at the address
// that was checked (a later DNS answer cannot move it).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pinnedSpec, ProbeGuard } from '../../src/controller/index.js';
import { RESOLVE_CACHE_MS } from '../../src/controller/probe-guard.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { ProbeAllowlist } from '../../src/probe/index.js';
import { condition, phaseIs, startHarness, type Harness } from '../support/controller-harness.js';
import { shiftFor } from '../support/shift-fixtures.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.close());

describe('probe destinations outside --probe-allow', () => {
  it('Failed with Degraded InvalidSpec naming spec.probe.address; no prober, nothing written to the route', async () => {
    h.create({ 'spec.probe.address': '10.9.9.9:31400' });
    await h.reconcile();
    const s = h.shift();
    expect(phaseIs('Failed')(s)).toBe(true);
    expect(condition(s, 'Degraded')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
      message: 'invalid spec: spec.probe.address: 10.9.9.9 is not in --probe-allow (127.0.0.0/8)',
    });
    expect(h.probers).toHaveLength(0);
    expect(h.writes().filter((w) => w.includes('virtualservices'))).toEqual([]);
    expect((await h.events()).map((e) => [e.type, e.reason])).toContainEqual(['Warning', 'InvalidSpec']);
  });

  it('an admitted shift runs', async () => {
    h.create();
    await h.runUntil(phaseIs('Promoted'));
    expect(h.probers.length).toBeGreaterThan(0);
  });
});

describe('ProbeGuard', () => {
  it('resolves (at most every 30 s), checks every address, and pins the probe to the checked one', async () => {
    const answers = [['10.96.0.20'], ['169.254.169.254']];
    const clock = new ManualClock();
    const guard = new ProbeGuard(ProbeAllowlist.parse('namespace:istio-system'), clock, () => Promise.resolve(answers.shift() ?? []));
    const spec = shiftFor({ 'spec.probe.address': 'istio-ingressgateway.istio-system.svc:31400' }).spec;
    const first = await guard.admit(spec.probe.address);
    expect(first).toEqual({ ok: true, host: '10.96.0.20' });
    expect(pinnedSpec(spec, '10.96.0.20').probe.address).toEqual({ host: '10.96.0.20', port: 31400 });
    await clock.advance(RESOLVE_CACHE_MS - 1);
    expect(await guard.admit(spec.probe.address)).toEqual(first);
    await clock.advance(1);
    // Rebinding: the same name now answers with the metadata address, and is refused.
    expect(await guard.admit(spec.probe.address)).toEqual({ ok: false, message: expect.stringMatching(/resolves to 169\.254\.169\.254/) as unknown });
  });
});
