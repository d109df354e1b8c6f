// The controller runs a strategy-locality TCPShift as it runs a route one (issue 14): the Reconciler
// against the API emulator (scripted probes, a manual clock) writes each step as one PATCH of the
// DestinationRule (weights and tcpshift's holder annotation together), never the VirtualService,
// and asks only what manifests/controller/rbac.yaml grants. (The rollback's byte-for-byte restore
// of the DestinationRule is the router's, tested in test/router/locality-router.test.ts.)
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShiftAnnotations } from '../../src/shift/index.js';
import { controllerPermissions, permits } from '../support/deploy-rbac.js';
import { bakingStep, phaseIs, startHarness, type Harness } from '../support/controller-harness.js';
import { distributeOf, ECHO_DR_REF, ECHO_VS_REF, migrateToLocality } from '../support/locality-chain.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  migrateToLocality(h.api.server.objects);
  h.api.server.resetRequestCounts();
});
afterEach(async () => h.close());

const dr = () => h.api.server.objects.get(ECHO_DR_REF);

describe('reconcile: strategy locality', () => {
  it('promotes with one DestinationRule PATCH per step, the VirtualService untouched, every request allowed by the RBAC', async () => {
    const vsVersion = h.api.server.objects.get(ECHO_VS_REF).metadata.resourceVersion;
    h.create({ 'spec.strategy': 'locality' });
    await h.runUntil(bakingStep(1));
    expect(distributeOf(dr())).toEqual({ 'tcpshift/echo/v1': 50, 'tcpshift/echo/v2': 50 });
    expect(dr().metadata.annotations?.[ShiftAnnotations.holder]).toBe('controller/test:echo/demo');
    await h.runUntil(phaseIs('Promoted'));
    expect(distributeOf(dr())).toEqual({ 'tcpshift/echo/v2': 100 });
    expect(h.writes().filter((w) => w === 'patch destinationrules')).toHaveLength(3);
    expect(h.writes().filter((w) => w === 'patch virtualservices')).toEqual([]);
    expect(h.api.server.objects.get(ECHO_VS_REF).metadata.resourceVersion).toBe(vsVersion);
    const permissions = controllerPermissions();
    expect(h.requests().filter((r) => !permits(permissions, r)).map((r) => `${r.verb} ${r.resource}`)).toEqual([]);
  });

});
