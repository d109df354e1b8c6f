// The Reconciler against the API emulator, one reconcile at a time (scripted probes, a manual
// clock): what it writes, in which order, and what a user reads in .status and Events.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROLLBACK_FINALIZER } from '../../src/controller/index.js';
import { holderAnnotations, ShiftAnnotations, type ProbeTotals } from '../../src/shift/index.js';
import { bakingStep, condition, phaseIs, SHIFT_REF, startHarness, type Harness } from '../support/controller-harness.js';
import { controllerPermissions, permits } from '../support/deploy-rbac.js';
import type { RequestRecord } from '../../src/sandbox/apiserver/index.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.close());

/** Writes to the TCPShift and the route only (Events are written asynchronously, in between). */
const shiftAndRouteWrites = (): string[] => h.writes().filter((w) => /tcpshifts|virtualservices/.test(w));
const probes = (): ProbeTotals | undefined => (h.shift()?.status as { probes?: ProbeTotals } | undefined)?.probes;
const statusWrites = (): number => h.writes().filter((w) => w === 'update tcpshifts/status').length;

describe('reconcile: a shift from start to promotion', () => {
  it('writes each step once, the status (state) before each weight, and ends Promoted with the step records', async () => {
    h.create();
    await h.runUntil(phaseIs('Promoted'));
    expect(await h.route.canaryWeights()).toEqual([0, 20, 50, 100]);
    const writes = shiftAndRouteWrites();
    expect(writes.filter((w) => w === 'patch virtualservices')).toHaveLength(3);
    writes.forEach((w, i) => {
      if (w === 'patch virtualservices') expect(writes[i - 1], `write ${i} follows a status write`).toBe('update tcpshifts/status');
    });
    expect(writes[0]).toBe('patch tcpshifts'); // the finalizer, before anything else
    const s = h.shift()!;
    expect(s.metadata.finalizers ?? []).not.toContain(ROLLBACK_FINALIZER);
    expect(s.status).toMatchObject({ phase: 'Promoted', currentStep: 3, weights: { stable: 0, canary: 100 }, observedGeneration: 1 });
    expect(s.status?.steps?.map((step) => [step.index, step.targetWeight, step.verdict])).toEqual([[0, 20, 'ok'], [1, 50, 'ok'], [2, 100, 'ok']]);
    expect(s.status?.split).toMatchObject({ step: 2, targetShare: 1, decision: 'consistent' });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Promoted', observedGeneration: 1 });
    expect(condition(s, 'Progressing')).toMatchObject({ status: 'False', reason: 'Promoted' });
    expect(condition(s, 'Degraded')).toMatchObject({ status: 'False' });
    const reasons = (await h.events()).map((e) => e.reason);
    expect(reasons.filter((r) => r === 'StepStarted')).toHaveLength(3);
    expect(reasons.filter((r) => r === 'StepPassed')).toHaveLength(3);
    expect(reasons).toContain('Promoted');
    // The route lock ends with the shift: the write of canary 100 released it, no write of its own.
    expect(h.api.annotations()[ShiftAnnotations.holder]).toBeUndefined();
    expect(h.api.annotations()[ShiftAnnotations.expires]).toBeUndefined();
  });

  it('shows the step while baking: Progressing, current step, weights and the observed split', async () => {
    h.create();
    await h.runUntil(bakingStep(1));
    const s = h.shift()!;
    expect(s.status).toMatchObject({ phase: 'Progressing', currentStep: 2, weights: { stable: 50, canary: 50 } });
    expect(condition(s, 'Progressing')).toMatchObject({ status: 'True', reason: 'Baking', message: 'step 2/3: canary 50% (stable 50%)' });
    expect(s.status?.split).toMatchObject({ step: 1, targetShare: 0.5, observedCanaryShare: 0.5 });
    expect(s.metadata.finalizers).toContain(ROLLBACK_FINALIZER);
    // The controller's holder annotation keeps a CLI shift off the route while it runs.
    expect(h.api.annotations()[ShiftAnnotations.holder]).toBe('controller/test:echo/demo');
  });

  it('status.probes: the counters (totals) while the shift bakes, as a CLI shift publishes them, written at most once per 5 s while they change every second, and removed at the end', async () => {
    h.create({ 'spec.schedule.bake': '30s' });
    await h.runUntil(bakingStep(0));
    expect(probes()).toMatchObject({ step: 1, longLived: { wanted: 4, open: 0 }, newConnections: { attempted: 1000, failed: 0 } });

    // the long-lived connections open one a second, and every second something wakes a reconcile
    const prober = h.probers.at(-1)!;
    const scripted = prober.counters.bind(prober);
    let open = 0;
    prober.counters = () => ({ ...scripted(), longLivedOpen: open, heartbeatsEchoed: open * 7 });
    const before = statusWrites();
    for (let second = 1; second <= 20; second++) {
      open = second;
      await h.clock.advance(1000);
      await h.reconcile();
    }
    const writes = statusWrites() - before;
    expect(writes).toBeGreaterThanOrEqual(20 / 5 - 1);
    expect(writes).toBeLessThanOrEqual(20 / 5 + 1);
    expect(probes()!.longLived.open).toBeGreaterThanOrEqual(15);
    expect(Date.parse(probes()!.at)).toBeGreaterThanOrEqual(h.clock.now() - 5000);

    // heartbeats alone (all healthy) are not worth a write
    const quiet = statusWrites();
    for (let second = 1; second <= 7; second++) {
      await h.clock.advance(1000);
      prober.counters = () => ({ ...scripted(), longLivedOpen: open, heartbeatsEchoed: 1000 + second });
      await h.reconcile();
    }
    expect(statusWrites() - quiet).toBe(0);

    await h.runUntil(phaseIs('Promoted'), 100);
    expect(probes()).toBeUndefined();
  });
});

describe('reconcile: a conflict on its own write', () => {
  it('a 409 on the status write re-reads the TCPShift (a get rbac.yaml grants), requeues at once, and the next reconcile carries on', async () => {
    h.create();
    await h.runUntil(bakingStep(0));
    h.api.server.faults.failNext(1, 409, { verbs: ['update'], resources: ['tcpshifts'] });
    h.annotate('pause');
    const reads = (): RequestRecord[] => h.requests().filter((r) => r.verb === 'get' && r.resource === 'tcpshifts');
    const readsBefore = reads().length;
    expect(await h.reconcile()).toEqual({ requeueAfterMs: 0 });
    expect(reads()).toHaveLength(readsBefore + 1);
    expect(permits(controllerPermissions(), reads().at(-1)!)).toBe(true);
    await h.runUntil(phaseIs('Paused'));
  });
});

describe('reconcile: restarts and failovers resume from the status', () => {
  it('a new process mid-step takes the step up again without writing its weight, and finishes', async () => {
    h.create();
    await h.runUntil(bakingStep(1));
    const patchesBefore = h.writes().filter((w) => w === 'patch virtualservices').length;
    h.restart();
    await h.runUntil(phaseIs('Promoted'));
    expect(await h.route.canaryWeights()).toEqual([0, 20, 50, 100]);
    expect(h.writes().filter((w) => w === 'patch virtualservices').length - patchesBefore).toBe(1);
    expect(h.shift()?.status?.steps?.map((s) => s.index)).toEqual([0, 1, 2]);
    const events = await h.events();
    expect(events.find((e) => e.reason === 'TakenOver')?.message).toMatch(/took over the shift \(baking at step 2\/3 \(canary 50%\)\)/);
  });

  it('a process that died between the status write and the weight write: the successor writes that weight once', async () => {
    h.create();
    await h.runUntil(bakingStep(0));
    await h.clock.advance(10_000);
    // The next reconcile persists "stepping 1" and then cannot write the weight (the API fails it for good, as if the process died).
    h.api.server.faults.failNext(5, 500, { verbs: ['patch'], resources: ['virtualservices'] });
    await expect(h.reconcile()).rejects.toThrow(/injected fault/);
    expect(h.shift()?.status?.engine?.state).toMatchObject({ phase: 'stepping', stepIndex: 1 });
    expect(h.api.weights()).toEqual([80, 20]);
    h.restart();
    await h.runUntil(phaseIs('Promoted'));
    expect(await h.route.canaryWeights()).toEqual([0, 20, 50, 100]);
  });
});

describe('reconcile: breaches and operator requests', () => {
  it('a rollback gives the route back its original shape: the canary destination it had to add is removed', async () => {
    const vs = h.api.vs();
    const route = vs.spec.tcp[0]!;
    const lone = { ...route, route: [{ destination: route.route[0]!.destination }] }; // v1 alone, no weight field
    h.api.server.objects.update({ ...vs, spec: { ...vs.spec, tcp: [lone] } });
    const original = h.api.vs().spec;
    h.create();
    await h.runUntil(bakingStep(0));
    expect(h.api.vs().spec.tcp[0]!.route).toHaveLength(2); // v2 added for the step
    h.probers.at(-1)!.end({ id: 1, version: 'v2', openedAt: h.clock.now() - 5000, endedAt: h.clock.now(), end: 'reset' });
    await h.reconcile();
    expect(h.shift()?.status).toMatchObject({ phase: 'RolledBack', rollback: { cause: 'breach' } });
    expect(JSON.stringify(h.api.vs().spec)).toBe(JSON.stringify(original));
  });

  it('a breach pushed by the prober wakes the shift and rolls it back at once, with the reason', async () => {
    h.create();
    await h.runUntil(bakingStep(0));
    const prober = h.probers.at(-1)!;
    prober.end({ id: 1, version: 'v2', openedAt: h.clock.now() - 5000, endedAt: h.clock.now(), end: 'timeout', detectionMs: 1400 });
    expect(h.woken).toContain('echo/demo');
    await h.reconcile();
    const s = h.shift()!;
    expect(h.api.weights()).toEqual([100, 0]);
    expect(s.status).toMatchObject({ phase: 'RolledBack', rollback: { cause: 'breach' } });
    expect(s.status?.rollback?.reason).toMatch(/timeout/);
    expect(condition(s, 'Degraded')).toMatchObject({ status: 'True', reason: 'Breach' });
    expect(s.metadata.finalizers ?? []).not.toContain(ROLLBACK_FINALIZER);
    expect((await h.events()).map((e) => [e.type, e.reason])).toEqual(expect.arrayContaining([['Warning', 'Breach'], ['Warning', 'RolledBack']]));
    expect(h.api.annotations()[ShiftAnnotations.holder]).toBeUndefined(); // the rollback write released the route
  });

  it('a shift that ends without a weight write (the route already at canary 0) still releases the route at once', async () => {
    h.create();
    await h.runUntil(bakingStep(0));
    expect(h.api.annotations()[ShiftAnnotations.holder]).toBe('controller/test:echo/demo');
    const route = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };
    h.api.server.objects.patch(route, 'json', [
      { op: 'replace', path: '/spec/tcp/0/route/0/weight', value: 100 },
      { op: 'replace', path: '/spec/tcp/0/route/1/weight', value: 0 },
    ]);
    h.annotate('abort');
    await h.reconcile();
    expect(h.shift()?.status?.phase).toBe('Aborted');
    expect(h.api.weights()).toEqual([100, 0]);
    expect(h.api.annotations()[ShiftAnnotations.holder]).toBeUndefined();
    expect(h.api.annotations()[ShiftAnnotations.expires]).toBeUndefined();
  });

  it('abort annotation: back to stable, phase Aborted, the annotation removed once honoured', async () => {
    h.create();
    await h.runUntil(bakingStep(1));
    h.annotate('abort');
    await h.reconcile();
    const s = h.shift()!;
    expect(h.api.weights()).toEqual([100, 0]);
    expect(s.status?.phase).toBe('Aborted');
    expect(condition(s, 'Ready')).toMatchObject({ reason: 'Aborted', message: 'aborted by tester' });
    expect(s.metadata.annotations?.[ShiftAnnotations.request]).toBeUndefined();
  });

  it('rollback annotation after the promotion writes canary 0 (state persisted first)', async () => {
    h.create();
    await h.runUntil(phaseIs('Promoted'));
    h.api.server.resetRequestCounts();
    h.annotate('rollback');
    await h.reconcile();
    expect(h.api.weights()).toEqual([100, 0]);
    expect(h.shift()?.status).toMatchObject({ phase: 'RolledBack', rollback: { cause: 'operator', reason: 'rollback requested by tester' } });
    expect(shiftAndRouteWrites().slice(0, 2)).toEqual(['update tcpshifts/status', 'patch virtualservices']);
    expect(h.shift()?.metadata.annotations?.[ShiftAnnotations.request]).toBeUndefined();
    // A second look changes nothing.
    h.api.server.resetRequestCounts();
    await h.reconcile();
    expect(shiftAndRouteWrites()).toEqual([]);
  });

  it('spec.paused pauses with the weights left; unpausing takes the step up again without writing it', async () => {
    h.create();
    await h.runUntil(bakingStep(1));
    h.patch({ spec: { paused: true } });
    expect(await h.reconcile()).toEqual({});
    expect(h.shift()?.status).toMatchObject({ phase: 'Paused', observedGeneration: 2, weights: { canary: 50 } });
    expect(condition(h.shift(), 'Progressing')).toMatchObject({ status: 'False', reason: 'Paused', message: 'paused by spec.paused; weights left as they are' });
    expect(h.api.weights()).toEqual([50, 50]);
    h.patch({ spec: { paused: false } });
    await h.runUntil(phaseIs('Promoted'));
    expect(await h.route.canaryWeights()).toEqual([0, 20, 50, 100]);
    // the step the pause cut short is kept (interrupted), so a report covers the pause
    expect(h.shift()?.status?.steps?.map((s) => [s.index, s.verdict])).toEqual([[0, 'ok'], [1, 'interrupted'], [1, 'ok'], [2, 'ok']]);
  });
});

describe('reconcile: spec changes, bad specs, missing routes, deletion', () => {
  it('a spec change mid-shift rolls back to stable, then runs the new spec from its first step (condition Restarted)', async () => {
    h.create();
    await h.runUntil(bakingStep(1));
    h.patch({ spec: { schedule: { steps: [30, 100] } } });
    await h.runUntil(phaseIs('Promoted'));
    expect(await h.route.canaryWeights()).toEqual([0, 20, 50, 0, 30, 100]);
    const s = h.shift()!;
    expect(s.status?.steps?.map((step) => step.targetWeight)).toEqual([30, 100]);
    expect(condition(s, 'Restarted')).toMatchObject({
      status: 'True',
      reason: 'SpecChanged',
      observedGeneration: 2,
      message: 'spec changed (generation 2) during step 2: rolled back to stable, restarted from the first step with the new spec',
    });
  });

  it('a spec the CRD schema accepts but tcpshift rejects: Failed, Degraded InvalidSpec, an Event, nothing written to the route', async () => {
    h.create({ 'spec.schedule.steps': [50, 20] });
    await h.reconcile();
    const s = h.shift()!;
    expect(s.status?.phase).toBe('Failed');
    expect(condition(s, 'Degraded')).toMatchObject({ status: 'True', reason: 'InvalidSpec', message: expect.stringMatching(/spec\.schedule\.steps\[1\]: must be greater than steps\[0\]/) });
    expect(h.writes().filter((w) => w.includes('virtualservices'))).toEqual([]);
    expect((await h.events()).map((e) => [e.type, e.reason])).toEqual([['Warning', 'InvalidSpec']]);
  });

  it('a missing route keeps the shift Pending with Degraded RouteNotFound; once created the shift runs', async () => {
    h.create({ 'spec.target.virtualService': 'later' });
    const result = await h.reconcile();
    expect(result.requeueAfterMs).toBe(10_000);
    expect(h.shift()?.status?.phase).toBe('Pending');
    expect(condition(h.shift(), 'Degraded')).toMatchObject({ status: 'True', reason: 'RouteNotFound', message: 'VirtualService echo/later not found: waiting for it to be created' });
    expect((await h.events()).map((e) => [e.type, e.reason])).toEqual([['Warning', 'RouteNotFound']]);
    await h.reconcile();
    expect(await h.events()).toHaveLength(1); // looking again does not repeat the Event
    const vs = h.api.vs();
    h.api.server.objects.create({ ...vs, metadata: { name: 'later', namespace: 'echo' } });
    await h.runUntil(phaseIs('Promoted'));
    expect(condition(h.shift(), 'Degraded')).toMatchObject({ status: 'False' });
  });

  it('a shift that never wrote the route carries no finalizer, and one left by an older controller does not hold up its deletion', async () => {
    h.create({ 'spec.target.virtualService': 'later' });
    await h.reconcile();
    expect(h.shift()?.metadata.finalizers ?? []).toEqual([]);
    h.patch({ metadata: { finalizers: [ROLLBACK_FINALIZER] } });
    h.api.server.objects.delete(SHIFT_REF);
    expect(h.shift()?.metadata.deletionTimestamp).toBeDefined();
    await h.reconcile();
    expect(h.shift()).toBeUndefined();
    expect(h.writes().filter((w) => w.includes('virtualservices'))).toEqual([]);
  });

  it('a route held by a live CLI shift is waited for (RouteBusy), nothing written', async () => {
    h.api.server.objects.patch({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' }, 'merge', {
      metadata: { annotations: holderAnnotations('laptop/4242/abc', h.clock.now() + 60_000) },
    });
    h.create();
    await h.reconcile();
    expect(condition(h.shift(), 'Degraded')).toMatchObject({ status: 'True', reason: 'RouteBusy' });
    expect(h.writes().filter((w) => w.includes('virtualservices'))).toEqual([]);
  });

  it('deleting a progressing shift rolls the route back first (onDelete: rollback); with onDelete: keep the weights stay', async () => {
    h.create();
    await h.runUntil(bakingStep(1));
    h.api.server.objects.delete({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'demo', namespace: 'echo' });
    expect(h.shift()?.metadata.deletionTimestamp).toBeDefined();
    await h.reconcile();
    expect(h.shift()).toBeUndefined();
    expect(h.api.weights()).toEqual([100, 0]);

    h.create({ 'spec.onDelete': 'keep' });
    await h.runUntil(bakingStep(0));
    expect(h.shift()?.metadata.finalizers ?? []).toEqual([]);
    h.api.server.objects.delete({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name: 'demo', namespace: 'echo' });
    await h.reconcile();
    expect(h.shift()).toBeUndefined();
    expect(h.api.weights()).toEqual([80, 20]);
  });
});
