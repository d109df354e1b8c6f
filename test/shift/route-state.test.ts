// The CLI's state on the route: annotations codec, lock, acquisition, operator stop, requests.
import { describe, expect, it } from 'vitest';
import type { RouteSnapshot } from '../../src/router/index.js';
import {
  acquireChange,
  compactState,
  holderAnnotations,
  initialState,
  lockState,
  LockHeldError,
  operatorStop,
  readRequest,
  readShiftState,
  RequestTracker,
  ShiftAnnotations,
  stateAnnotations,
  StateFormatError,
  UnfinishedShiftError,
  type ShiftState,
} from '../../src/shift/index.js';
import { ended, longLived, newConnections, T0 } from '../support/shift-fixtures.js';

const local = (alive: number[]) => ({ hostname: 'here', isAlive: (pid: number) => alive.includes(pid) });

function snapshot(annotations: Record<string, string> = {}, labels: Record<string, string> = {}): RouteSnapshot {
  return {
    object: { metadata: { name: 'echo', namespace: 'echo', resourceVersion: '7', annotations, labels } },
    weights: { stable: 100, canary: 0, total: 100, share: 0 },
    shape: { stable: { weight: 100 }, canary: { weight: 0 } },
    annotations,
    labels,
    resourceVersion: '7',
  };
}

const withState = (state: ShiftState, extra: Record<string, string> = {}): Record<string, string> =>
  ({ ...(stateAnnotations(state, 3) as Record<string, string>), ...extra });

describe('state annotations', () => {
  it('round-trip the state, compacted: per-connection lists are dropped, counts kept', () => {
    const step = {
      index: 0, targetWeight: 20, startedAt: T0, endedAt: T0 + 1, verdict: 'ok' as const, reasons: [], notes: [], reconnectWave: 1, drainWindow: null,
      newConnections: newConnections(), longLived: longLived([ended(1, 'drained', T0)]),
    };
    const state: ShiftState = { ...initialState(T0), phase: 'stepping', stepIndex: 1, original: { stable: 100, canary: 0 }, steps: [step] };
    const annotations = withState(state);
    expect(annotations[ShiftAnnotations.phase]).toBe('Progressing');
    expect(annotations[ShiftAnnotations.step]).toBe('2/3');
    expect(annotations[ShiftAnnotations.originalWeights]).toBe('stable=100,canary=0');
    const read = readShiftState(annotations)!;
    expect(read).toEqual(compactState(state));
    expect(read.steps[0]!.longLived.connections).toEqual([]);
    expect(read.steps[0]!.longLived.ends.drained).toBe(1);
  });

  it('no state is undefined; a damaged one is a StateFormatError naming the annotation', () => {
    expect(readShiftState({})).toBeUndefined();
    expect(() => readShiftState({ [ShiftAnnotations.state]: '{' })).toThrow(StateFormatError);
    expect(() => readShiftState({ [ShiftAnnotations.state]: '{"version":2}' })).toThrow(/tcpshift.io\/state is not a tcpshift state/);
  });

  it('requests: abort, rollback and pause are read; anything else is ignored', () => {
    expect(readRequest({ [ShiftAnnotations.request]: 'abort', [ShiftAnnotations.requestedBy]: 'alice' })).toEqual({ action: 'abort', by: 'alice' });
    expect(readRequest({ [ShiftAnnotations.request]: ' rollback ' })).toEqual({ action: 'rollback' });
    expect(readRequest({ [ShiftAnnotations.request]: 'explode' })).toBeUndefined();
  });
});

describe('lock', () => {
  const holder = (identity: string, expiresAt: number) => holderAnnotations(identity, expiresAt) as Record<string, string>;

  it('free without a holder; held until it expires; stale after', () => {
    expect(lockState({}, T0)).toEqual({ kind: 'free' });
    expect(lockState(holder('there/1/a', T0 + 1000), T0).kind).toBe('held');
    const stale = lockState(holder('there/1/a', T0 + 1000), T0 + 1000);
    expect(stale).toMatchObject({ kind: 'stale', why: expect.stringMatching(/expired/) as string });
  });

  it('a holder process of this host that is gone is stale at once; one of another host is trusted until expiry', () => {
    expect(lockState(holder('here/42/a', T0 + 60_000), T0, local([]))).toMatchObject({ kind: 'stale', why: 'process 42 no longer runs on here' });
    expect(lockState(holder('here/42/a', T0 + 60_000), T0, local([42])).kind).toBe('held');
    expect(lockState(holder('there/42/a', T0 + 60_000), T0, local([])).kind).toBe('held');
  });
});

describe('acquiring a route', () => {
  const request = { name: 'demo', identity: 'here/1/me', ttlMs: 15_000, now: T0, state: initialState(T0), stepCount: 3, resource: { kind: 'TCPShift' }, local: local([1, 2]) };

  it('start on a free route: holder, expiry, state, spec and label in one change, any old request cleared', () => {
    const change = acquireChange(snapshot({ [ShiftAnnotations.request]: 'abort' }), { ...request, mode: 'start' });
    expect(change.labels).toEqual({ 'tcpshift.io/shift': 'demo' });
    expect(change.annotations).toMatchObject({
      [ShiftAnnotations.holder]: 'here/1/me',
      [ShiftAnnotations.expires]: new Date(T0 + 15_000).toISOString(),
      [ShiftAnnotations.phase]: 'Pending',
      [ShiftAnnotations.spec]: '{"kind":"TCPShift"}',
      [ShiftAnnotations.request]: null,
    });
    expect(change.canaryWeight).toBeUndefined();
  });

  it('refuses a live holder, for start and resume alike', () => {
    const held = snapshot({ ...(holderAnnotations('here/2/other', T0 + 5000) as Record<string, string>) });
    expect(() => acquireChange(held, { ...request, mode: 'start' })).toThrow(LockHeldError);
    expect(() => acquireChange(held, { ...request, mode: 'resume' })).toThrow(/is running in here\/2\/other .*expires in 5s/);
  });

  it('start refuses an unfinished shift (paused or dead holder); resume takes it over', () => {
    const dead = snapshot(withState({ ...initialState(T0), phase: 'stepping', stepIndex: 1 }, holderAnnotations('here/99/gone', T0 + 5000) as Record<string, string>), { 'tcpshift.io/shift': 'demo' });
    expect(() => acquireChange(dead, { ...request, mode: 'start' })).toThrow(UnfinishedShiftError);
    expect(() => acquireChange(dead, { ...request, mode: 'start' })).toThrow(/stepping at step 2; its process is gone \(process 99 no longer runs on here\)\): continue it with tcpshift resume demo/);
    expect(acquireChange(dead, { ...request, mode: 'resume' }).annotations).toMatchObject({ [ShiftAnnotations.holder]: 'here/1/me' });
    const paused = snapshot(withState({ ...initialState(T0), phase: 'paused', stepIndex: 0 }));
    expect(() => acquireChange(paused, { ...request, mode: 'start' })).toThrow(/it is paused/);
  });

  it('start over a finished shift begins afresh', () => {
    const done = snapshot(withState({ ...initialState(T0), phase: 'promoted', stepIndex: 2 }));
    expect(acquireChange(done, { ...request, mode: 'start' }).annotations).toMatchObject({ [ShiftAnnotations.phase]: 'Pending' });
  });
});

describe('operator stop without a live holder', () => {
  it('abort of an unfinished shift: aborted, rolled back now, the step fields gone', () => {
    const baking: ShiftState = { ...initialState(T0), phase: 'baking', stepIndex: 1, bakeUntil: T0 + 9, drainWindow: [1, 2] };
    const next = operatorStop(baking, 'abort', 'alice', T0 + 50)!;
    expect(next).toMatchObject({ phase: 'aborted', reason: 'aborted by alice', endedAt: T0 + 50, rollback: { cause: 'operator', abort: true, detectedAt: T0 + 50, restoredAt: T0 + 50 } });
    expect(next.bakeUntil).toBeUndefined();
    expect(next.drainWindow).toBeUndefined();
  });

  it('abort of a finished shift does nothing; rollback of a promoted one rolls it back', () => {
    const promoted: ShiftState = { ...initialState(T0), phase: 'promoted', stepIndex: 2 };
    expect(operatorStop(promoted, 'abort', 'alice', T0)).toBeUndefined();
    expect(operatorStop(promoted, 'rollback', 'alice', T0)).toMatchObject({ phase: 'rolled-back', reason: 'rollback requested by alice' });
  });
});

describe('request tracker', () => {
  it('Ctrl-C becomes an abort (or a pause) by the signal; a pause can be upgraded, never downgraded', () => {
    const interrupts = new AbortController();
    const tracker = new RequestTracker(interrupts.signal, 'pause');
    let changes = 0;
    tracker.onChange(() => changes++);
    interrupts.abort(new Error('interrupted by SIGINT'));
    expect(tracker.current()).toEqual({ action: 'pause', by: 'interrupt (SIGINT)' });
    tracker.fromAnnotations({ [ShiftAnnotations.request]: 'abort', [ShiftAnnotations.requestedBy]: 'bob' });
    expect(tracker.current()).toEqual({ action: 'abort', by: 'bob' });
    tracker.set({ action: 'pause' });
    expect(tracker.current()!.action).toBe('abort');
    expect(changes).toBe(2);
  });
});
