// spec.notifications through the controller (the Reconciler in process against the API emulator,
// a real HTTP receiver on loopback): the chat hears the shift's transitions; a URL the controller
// cannot read is a Warning Event naming the field, and the shift runs on without notifications.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { phaseIs, startHarness, type Harness } from '../support/controller-harness.js';
import { startHookReceiver, type HookReceiver } from '../support/hook-receiver.js';

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

interface Generic { event: string; step?: number; steps: number; shift: { name: string; namespace: string } }

describe('controller notifications', () => {
  it('posts each transition of a TCPShift once, in order', async () => {
    h.create({ 'spec.notifications': [{ name: 'feed', type: 'generic', url: receiver.url('/feed') }] });
    await h.runUntil(phaseIs('Promoted'));
    await expect.poll(() => receiver.received('/feed').map((r) => (JSON.parse(r.body) as Generic).event), { timeout: 10_000 }).toContain('Promoted');
    const messages = receiver.received('/feed').map((r) => JSON.parse(r.body) as Generic);
    const steps = messages[0]?.steps ?? 0;
    expect(messages.map((m) => [m.event, m.step])).toEqual([...Array.from({ length: steps - 1 }, (_, i) => ['StepPassed', i + 1]), ['Promoted', steps]]);
    expect(messages[0]?.shift.namespace).toBe('echo');
  });

  it('runs without notifications when a URL cannot be read, saying which field in a Warning Event', async () => {
    h.create({ 'spec.notifications': [{ name: 'chat', type: 'slack', urlFrom: { env: 'TCPSHIFT_TEST_NEVER_SET_CHAT_URL' } }] });
    await h.runUntil(phaseIs('Promoted'));
    const warnings = (await h.events()).filter((e) => e.reason === 'NotificationUrlUnavailable');
    expect(warnings[0]).toMatchObject({
      type: 'Warning',
      message: 'spec.notifications[0].urlFrom.env: environment variable TCPSHIFT_TEST_NEVER_SET_CHAT_URL is not set in this process: this shift sends no notifications',
    });
  });
});
