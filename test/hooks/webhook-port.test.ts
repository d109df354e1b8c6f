// Webhook deliveries to a real HTTP server on loopback: payload, signature, timeouts, retries,
// aborts and the cap on event deliveries. Time is a ManualClock: a timeout or a backoff happens
// when the test advances it, so nothing here depends on the machine's speed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHookPort, verifySignature, type HookPayload, type HookPortOptions } from '../../src/hooks/index.js';
import type { StepReport } from '../../src/report/index.js';
import type { HookContext, HookResult } from '../../src/shift/index.js';
import type { ResolvedWebhook } from '../../src/spec/resolved-shift.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { startHookReceiver, type HookReceiver } from '../support/hook-receiver.js';
import { longLived, newConnections, T0 } from '../support/shift-fixtures.js';

let receiver: HookReceiver;
beforeAll(async () => {
  receiver = await startHookReceiver();
});
afterAll(() => receiver.close());

const SECRET = Buffer.from('s3cret-key');

function hook(path: string, changes: Partial<ResolvedWebhook> = {}): ResolvedWebhook {
  return { name: path.slice(1), type: 'post-step', url: receiver.url(path), timeoutMs: 1000, retries: 2, metadata: {}, secret: undefined, ...changes };
}

const results: StepReport = {
  index: 1,
  targetWeight: 50,
  startedAt: T0,
  endedAt: T0 + 10_000,
  verdict: 'ok',
  reasons: [],
  newConnections: newConnections({ ok: 100, canary: 50 }),
  longLived: longLived(),
  reconnectWave: 2,
  drainWindow: null,
  notes: [],
};

const context: HookContext = { shift: { name: 'echo', namespace: 'shop' }, phase: 'Progressing', step: 2, steps: 3, canaryWeight: 50, results };

function port(webhooks: ResolvedWebhook[], clock: ManualClock, extra: Partial<HookPortOptions> = {}) {
  const seen: HookResult[] = [];
  const hooks = createHookPort({ webhooks, clock, backoff: { baseMs: 100, maxMs: 1000 }, onResult: (result) => seen.push(result), ...extra });
  return { hooks, seen };
}

/** Settles a promise's state without waiting for it. */
function watch<T>(promise: Promise<T>): { done: () => boolean; value: Promise<T> } {
  let settled = false;
  void promise.finally(() => (settled = true));
  return { done: () => settled, value: promise };
}

describe('webhook deliveries', () => {
  it('POSTs the payload: shift, step from 1, weights, phase, report.json step results, metadata; signed with the key', async () => {
    const clock = new ManualClock(T0 + 20_000);
    const { hooks, seen } = port(
      [hook('/signed', { metadata: { team: 'edge' }, secret: { secretRef: { name: 'hooks', key: 'hmac' } } })],
      clock,
      { keys: new Map([['signed', SECRET]]), deliveryId: () => 'delivery-1' },
    );
    const [result] = await hooks.call('post-step', context);
    expect(result).toMatchObject({ name: 'signed', type: 'post-step', ok: true, status: 200, attempts: 1 });
    expect(seen).toEqual([result]);
    const [request] = receiver.received('/signed');
    const payload = JSON.parse(request!.body) as HookPayload;
    expect(payload).toMatchObject({
      kind: 'HookDelivery',
      deliveryId: 'delivery-1',
      timestamp: new Date(T0 + 20_000).toISOString(),
      hook: { name: 'signed', type: 'post-step' },
      shift: { name: 'echo', namespace: 'shop' },
      phase: 'Progressing',
      step: 2,
      steps: 3,
      weights: { stable: 50, canary: 50 },
      metadata: { team: 'edge' },
      results: { number: 2, targetWeight: 50, startedAt: new Date(T0).toISOString(), verdict: 'ok', reconnectWave: 2, newConnections: { succeeded: 100 } },
    });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['x-tcpshift-delivery']).toBe('delivery-1');
    expect(request!.headers['x-tcpshift-timestamp']).toBe(String((T0 + 20_000) / 1000));
    const signature = request!.headers['x-tcpshift-signature'] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, request!.body, signature)).toBe(true);
    expect(verifySignature('another-key', request!.body, signature)).toBe(false);
    expect(verifySignature(SECRET, request!.body.replace('"canary":50', '"canary":51'), signature)).toBe(false);
  });

  it('sends no signature header without a secret', async () => {
    const { hooks } = port([hook('/plain')], new ManualClock());
    await hooks.call('post-step', context);
    expect(receiver.received('/plain')[0]!.headers['x-tcpshift-signature']).toBeUndefined();
  });

  it('a timeout is retried after the backoff with the same body, and the attempts are counted', async () => {
    receiver.script('/slow-once', ['hang', 200]);
    const clock = new ManualClock();
    const { hooks } = port([hook('/slow-once', { timeoutMs: 2000 })], clock);
    const call = watch(hooks.call('post-step', context));
    await receiver.waitFor('/slow-once', 1);
    await clock.advance(1999);
    expect(call.done()).toBe(false);
    await clock.advance(1); // the timeout: the attempt ends, the backoff (100 ms) starts
    await clock.advance(100);
    const [first, second] = await receiver.waitFor('/slow-once', 2);
    expect(second!.body).toBe(first!.body);
    const [result] = await call.value;
    expect(result).toMatchObject({ ok: true, status: 200, attempts: 2, durationMs: 2100 });
  });

  it('retries a 5xx and a 429 up to `retries` times, never a 4xx', async () => {
    receiver.script('/unavailable', [503]);
    receiver.script('/busy', [429, 204]);
    receiver.script('/missing', [404]);
    const clock = new ManualClock();
    const patient = { timeoutMs: 60_000 };
    const { hooks } = port([hook('/unavailable', { ...patient, retries: 3 }), hook('/busy', patient), hook('/missing', { ...patient, retries: 5 })], clock);
    const call = watch(hooks.call('post-step', context));
    while (!call.done()) {
      await clock.advance(50);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const [unavailable, busy, missing] = await call.value;
    expect(unavailable).toMatchObject({ ok: false, status: 503, attempts: 4, error: 'HTTP 503' });
    expect(unavailable!.durationMs).toBeGreaterThanOrEqual(100 + 200 + 400); // the backoff doubles
    expect(busy).toMatchObject({ ok: true, status: 204, attempts: 2 });
    expect(busy!.error).toBeUndefined();
    expect(missing).toMatchObject({ ok: false, status: 404, attempts: 1, error: 'HTTP 404' });
    expect(receiver.received('/unavailable')).toHaveLength(4);
    expect(receiver.received('/missing')).toHaveLength(1);
  });

  it('a hanging server ends the call at its timeout, not later', async () => {
    receiver.script('/hang', ['hang']);
    const clock = new ManualClock();
    const { hooks } = port([hook('/hang', { type: 'pre-step', timeoutMs: 5000, retries: 0 })], clock);
    const call = watch(hooks.call('pre-step', context));
    await receiver.waitFor('/hang', 1);
    await clock.advance(4999);
    expect(call.done()).toBe(false);
    await clock.advance(1);
    expect(await call.value).toEqual([{ name: 'hang', type: 'pre-step', ok: false, attempts: 1, durationMs: 5000, error: 'no answer within 5s' }]);
    expect(await hooks.call('confirm-step', context)).toEqual([]);
  });

  it('an aborted signal ends the call at once, during an attempt or a backoff', async () => {
    receiver.script('/abort-hang', ['hang']);
    receiver.script('/abort-backoff', [500]);
    const clock = new ManualClock();
    const { hooks } = port([hook('/abort-hang', { timeoutMs: 60_000, retries: 10 }), hook('/abort-backoff', { retries: 10 })], clock);
    const stop = new AbortController();
    const call = watch(hooks.call('post-step', context, stop.signal));
    await receiver.waitFor('/abort-hang', 1);
    await receiver.waitFor('/abort-backoff', 1);
    stop.abort();
    const answered = await call.value;
    expect(answered.map((r) => [r.name, r.ok, r.attempts, r.error, r.durationMs])).toEqual([
      ['abort-hang', false, 1, 'aborted', 0],
      ['abort-backoff', false, 1, 'aborted', 0],
    ]);
    expect(await hooks.call('post-step', context, stop.signal)).toMatchObject([{ attempts: 1, error: 'aborted' }, { attempts: 1, error: 'aborted' }]);
    expect(receiver.received('/abort-hang')).toHaveLength(1);
  });

  it('a refused connection is a network error, retried', async () => {
    const clock = new ManualClock();
    const { hooks } = port([{ ...hook('/x', { retries: 1 }), url: 'http://127.0.0.1:1/refused' }], clock);
    const call = watch(hooks.call('post-step', context));
    while (!call.done()) await clock.advance(100);
    expect(await call.value).toMatchObject([{ ok: false, attempts: 2, error: expect.stringMatching(/ECONNREFUSED/) }]);
  });
});

describe('event hooks and notify', () => {
  it('never block, reach the notifier, and drop beyond the in-flight cap with a counted warning', async () => {
    receiver.script('/events', ['hang']);
    const clock = new ManualClock();
    const logger = new MemoryLogger();
    const notified: string[] = [];
    const { hooks } = port([hook('/events', { type: 'event', timeoutMs: 10_000, retries: 0 }), hook('/not-an-event')], clock, {
      maxEventsInFlight: 2,
      logger,
      notifier: { notify: (event) => void notified.push(event.type) },
    });
    const events = ['StepStarted', 'StepPassed', 'Breach', 'RollingBack', 'RolledBack'] as const;
    for (const type of events) hooks.notify({ type, message: `${type} happened`, stepIndex: 1, warning: false }, context);
    expect(notified).toEqual([...events]);
    expect(hooks.dropped()).toBe(3);
    expect(logger.records.filter((r) => r.level === 'warn').map((r) => r.fields?.dropped)).toEqual([1, 2, 3]);
    const delivered = await receiver.waitFor('/events', 2);
    expect(delivered.map((r) => (JSON.parse(r.body) as HookPayload).event)).toEqual([
      { type: 'StepStarted', message: 'StepStarted happened', warning: false, step: 2 },
      { type: 'StepPassed', message: 'StepPassed happened', warning: false, step: 2 },
    ]);
    expect(receiver.received('/not-an-event')).toHaveLength(0);
    const closing = watch(hooks.close(1000));
    await clock.advance(1000);
    await closing.value; // the hanging deliveries were given 1 s, then ended
    hooks.notify({ type: 'Promoted', message: 'promoted', warning: false }, context);
    expect(hooks.dropped()).toBe(3);
    expect(notified).toContain('Promoted');
    expect(receiver.received('/events')).toHaveLength(2); // closed: no more event deliveries
  });

  it('a notifier that throws does not reach the engine', () => {
    const { hooks } = port([], new ManualClock(), {
      notifier: {
        notify: () => {
          throw new Error('chat is down');
        },
      },
    });
    expect(() => hooks.notify({ type: 'Paused', message: 'paused', warning: true }, context)).not.toThrow();
  });
});
