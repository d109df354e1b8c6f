// A CLI shift in the sandbox (in process) with spec.notifications: a Slack-compatible receiver
// and a generic one (severity warn) on loopback get one message per transition, in order, the
// Slack URL read from the environment (urlFrom.env) as a pipeline passes a secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTcpshift } from '../support/cli.js';
import { startHookReceiver, type HookReceiver } from '../support/hook-receiver.js';
import { startE2e, type E2eEnv } from '../support/shift-e2e.js';

let env: E2eEnv;
let receiver: HookReceiver;
beforeAll(async () => {
  [env, receiver] = await Promise.all([startE2e(), startHookReceiver()]);
}, 60_000);
afterAll(async () => {
  await receiver?.close();
  await env?.sandbox.stop();
});

interface Message { event?: string; text?: string; attachments?: { title: string; fields: { title: string; value: string }[] }[] }
const messages = (path: string): Message[] => receiver.received(path).map((r) => JSON.parse(r.body) as Message);

describe('notifications of a CLI shift', () => {
  it('tells the chat each transition once, the gate included, and the generic receiver only what needs a person', async () => {
    const file = await env.spec('notified', {
      'spec.schedule.steps': [50, { pause: { duration: '1s' } }, 100],
      'spec.notifications': [
        { name: 'chat', type: 'slack', urlFrom: { env: 'CHAT_URL' }, link: 'https://grafana.example/d/tcp?var-shift={{ name }}&step={{ step }}' },
        { name: 'pager', type: 'generic', url: receiver.url('/pager'), severity: 'warn' },
      ],
    });
    const run = await runTcpshift(['shift', '-f', file, ...env.flags('notified')], { env: { CHAT_URL: receiver.url('/chat') } });
    expect(run.code, run.stderr + run.stdout).toBe(0);

    const chat = messages('/chat');
    expect(chat.map((m) => m.attachments?.[0]?.title)).toEqual([
      'echo/demo: StepPassed at step 1/2',
      'echo/demo: GateWaiting at step 1/2',
      'echo/demo: GateOpened at step 1/2', // the gate after step 1
      'echo/demo: Promoted at step 2/2',
    ]);
    expect(chat[0]?.attachments?.[0]?.fields).toContainEqual({ title: 'Weights', value: 'stable 50% / canary 50%', short: true });
    expect(chat[3]?.attachments?.[0]?.fields).toContainEqual({ title: 'Weights', value: 'stable 0% / canary 100%', short: true });
    expect(messages('/pager').map((m) => m.event)).toEqual(['GateWaiting']);
  }, 60_000);
});
