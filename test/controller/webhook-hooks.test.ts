// spec.webhooks through the controller (the Reconciler in process against the API emulator, a
// real HTTP receiver on loopback): a signing key from a Secret that is not there yet keeps the
// shift Pending with a condition naming the Secret and the key, nothing written; once the Secret
// exists the shift runs, each post-step delivery is signed with its key, and the answers are Events.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifySignature, type HookPayload } from '../../src/hooks/index.js';
import { condition, phaseIs, startHarness, type Harness } from '../support/controller-harness.js';
import { controllerPermissions, permits } from '../support/deploy-rbac.js';
import { startHookReceiver, type HookReceiver } from '../support/hook-receiver.js';

const KEY = 'controller-signing-key';
let h: Harness;
let receiver: HookReceiver;
beforeAll(async () => {
  receiver = await startHookReceiver();
});
afterAll(() => receiver.close());
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => h.close());

describe('controller webhooks', () => {
  it('waits Pending for a missing Secret, then signs each post-step delivery with its key and records the answers as Events', async () => {
    // The manual clock moves by whole bakes: a timeout longer than the run keeps a real answer from losing the race to it.
    h.create({ 'spec.webhooks': [{ name: 'audit', type: 'post-step', url: receiver.url('/post-step'), timeout: '60s', secret: { secretRef: { name: 'hooks', key: 'hmac' } } }] });
    await h.reconcile();
    const pending = h.shift();
    expect(pending?.status?.phase).toBe('Pending');
    expect(condition(pending, 'Degraded')).toMatchObject({ status: 'True', reason: 'WebhookSecretUnavailable', message: 'spec.webhooks[0].secret.secretRef: Secret echo/hooks not found' });
    expect(h.writes().filter((w) => w.includes('virtualservices'))).toEqual([]);

    h.api.server.objects.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hooks', namespace: 'echo' }, data: { hmac: Buffer.from(KEY).toString('base64') } });
    await h.runUntil(phaseIs('Promoted'));
    const deliveries = await receiver.waitFor('/post-step', 3);
    expect(deliveries.map((d) => (JSON.parse(d.body) as HookPayload).step)).toEqual([1, 2, 3]);
    for (const d of deliveries) expect(verifySignature(KEY, d.body, d.headers['x-tcpshift-signature'] as string)).toBe(true);
    const secretReads = h.requests().filter((r) => r.resource === 'secrets');
    expect(secretReads.map((r) => r.verb)).toEqual(['get', 'get']); // Pending, then when it exists: never listed or watched
    for (const r of secretReads) expect(permits(controllerPermissions(), r)).toBe(true);
    await expect.poll(async () => (await h.events()).filter((e) => e.reason === 'HookSucceeded').map((e) => e.message), { timeout: 10_000 }).toEqual([
      expect.stringMatching(/^hook audit \(post-step, step 1\): HTTP 200 in /),
      expect.stringMatching(/^hook audit \(post-step, step 2\): HTTP 200 in /),
      expect.stringMatching(/^hook audit \(post-step, step 3\): HTTP 200 in /),
    ]);
  });
});
