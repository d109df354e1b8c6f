// Chat notifications to real HTTP servers on loopback, through the HookPort's notify (what the
// runner and the controller call): Slack, Teams and generic payloads, the severity filter, one
// message per transition, a hanging endpoint that neither delays the events nor the end, and a
// URL read from the environment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatNotifier, createHookPort, notificationEndpoints, NotificationUrlError } from '../../src/hooks/index.js';
import type { HookContext, ShiftEvent, ShiftEventType } from '../../src/shift/index.js';
import type { NotificationSpec } from '../../src/spec/notifications.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { startHookReceiver, type HookReceiver } from '../support/hook-receiver.js';

let receiver: HookReceiver;
beforeAll(async () => {
  receiver = await startHookReceiver();
  receiver.script('/hang', ['hang']);
});
afterAll(() => receiver.close());

const LINK = 'https://grafana.example/d/tcp?var-shift={{ name }}&var-ns={{namespace}}&step={{ step }}&phase={{ phase }}';

function spec(name: string, type: NotificationSpec['type'], severity: NotificationSpec['severity'] = 'info'): NotificationSpec {
  return { name, type, severity, url: receiver.url(`/${name}`), link: LINK };
}

/** A breach at step 2 of 3 and its rollback, as the engine tells it (src/shift/decide.ts). */
const BREACH: [ShiftEventType, number | undefined, number, string][] = [
  ['StepStarted', 1, 10, 'step 1 (10%): writing canary 10%'],
  ['StepPassed', 1, 10, 'step 1 (10%) passed: stable 90% / canary 10%'],
  ['StepStarted', 2, 50, 'step 2 (50%): writing canary 50%'],
  ['Breach', 2, 50, 'step 2 (50%) breach: 4 of 40 new connections failed (reset)'],
  ['RollingBack', 2, 50, 'rolling back to stable: 4 of 40 new connections failed (reset)'],
  ['RolledBack', 2, 0, 'RolledBack: canary at 0% (4 of 40 new connections failed (reset))'],
];

function tell(notify: (event: ShiftEvent, context: HookContext) => void, name: string): void {
  for (const [type, step, canaryWeight, message] of BREACH) {
    const phase = type === 'RolledBack' ? 'RolledBack' : 'Progressing';
    const reason = type === 'StepPassed' || type === 'StepStarted' ? undefined : '4 of 40 new connections failed (reset)';
    notify({ type, message, warning: type !== 'StepPassed' && type !== 'StepStarted', ...(step !== undefined && { stepIndex: step - 1 }) }, {
      shift: { name, namespace: 'shop' },
      phase,
      ...(step !== undefined && { step }),
      steps: 3,
      canaryWeight,
      ...(reason !== undefined && { reason }),
    });
  }
}

const bodies = (path: string): unknown[] => receiver.received(path).map((r) => JSON.parse(r.body) as unknown);

describe('notifications', () => {
  it('posts Slack, Teams and generic messages of a breach and its rollback: one per transition, filtered by severity, a hanging endpoint costing nothing', async () => {
    const logger = new MemoryLogger();
    const endpoints = [spec('slack', 'slack'), spec('teams', 'teams'), spec('generic', 'generic', 'warn'), spec('hang', 'slack')].map((s) => ({ spec: s, url: s.url ?? '' }));
    const notifier = new ChatNotifier(endpoints, { clock: systemClock, logger, timeoutMs: 5000, retries: 0 });
    const hooks = createHookPort({ webhooks: [], clock: systemClock, notifier });

    const started = performance.now();
    tell((event, context) => hooks.notify(event, context), 'echo');
    const notifyMs = performance.now() - started;

    const slack = await receiver.waitFor('/slack', 3);
    await receiver.waitFor('/teams', 3);
    await receiver.waitFor('/generic', 2);
    const flushStarted = performance.now();
    await notifier.flush(300);
    const flushMs = performance.now() - flushStarted;
    console.log(`notify() of ${BREACH.length} events: ${notifyMs.toFixed(1)} ms; flush with a hanging endpoint: ${flushMs.toFixed(0)} ms (bound 300 ms, endpoint timeout 5000 ms)`);

    // The events return at once and the end waits no longer than its bound, although /hang never answers.
    expect(notifyMs).toBeLessThan(1000);
    expect(flushMs).toBeLessThan(3000);
    // At the end the message in flight to /hang is given up (failed) and the two waiting are dropped.
    expect(notifier.counts().hang).toEqual({ sent: 0, failed: 1, dropped: 2 });

    // StepPassed (info), Breach (the rollback folded into it), RolledBack; StepStarted is no message.
    expect(slack.map((r) => r.headers['content-type'])).toEqual(['application/json', 'application/json', 'application/json']);
    expect(bodies('/slack')).toEqual([
      slackBody('info', '#2eb67d', 'StepPassed at step 1/3', 'step 1 (10%) passed: stable 90% / canary 10%', '1/3', 'stable 90% / canary 10%', 'Progressing', undefined, '1'),
      slackBody('error', '#e01e5a', 'Breach at step 2/3', 'step 2 (50%) breach: 4 of 40 new connections failed (reset)', '2/3', 'stable 50% / canary 50%', 'Progressing', '4 of 40 new connections failed (reset)', '2'),
      slackBody('error', '#e01e5a', 'RolledBack at step 2/3', 'RolledBack: canary at 0% (4 of 40 new connections failed (reset))', '2/3', 'stable 100% / canary 0%', 'RolledBack', '4 of 40 new connections failed (reset)', '2'),
    ]);

    const teams = bodies('/teams');
    expect(teams[1]).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: 'shop/echo: Breach at step 2/3', weight: 'Bolder', size: 'Medium', color: 'Attention', wrap: true },
              { type: 'TextBlock', text: 'step 2 (50%) breach: 4 of 40 new connections failed (reset)', wrap: true },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Shift', value: 'shop/echo' },
                  { title: 'Step', value: '2/3' },
                  { title: 'Weights', value: 'stable 50% / canary 50%' },
                  { title: 'Phase', value: 'Progressing' },
                  { title: 'Reason', value: '4 of 40 new connections failed (reset)' },
                ],
              },
            ],
            actions: [{ type: 'Action.OpenUrl', title: 'Open', url: link('2', 'Progressing') }],
          },
        },
      ],
    });

    // severity warn: the step passed (info) is filtered out; the breach and the end remain.
    expect(bodies('/generic')).toEqual([
      expect.objectContaining({ kind: 'tcpshift.notification', severity: 'error', event: 'Breach', shift: { name: 'echo', namespace: 'shop' }, step: 2, steps: 3, weights: { stable: 50, canary: 50 }, phase: 'Progressing', reason: '4 of 40 new connections failed (reset)', link: link('2', 'Progressing') }),
      expect.objectContaining({ severity: 'error', event: 'RolledBack', weights: { stable: 100, canary: 0 }, phase: 'RolledBack', link: link('2', 'RolledBack') }),
    ]);
  });

  it('drops what does not fit behind a slow endpoint, with one counted warning a minute', async () => {
    const logger = new MemoryLogger();
    const hang = spec('hang', 'generic');
    const notifier = new ChatNotifier([{ spec: hang, url: hang.url ?? '' }], { clock: systemClock, logger, timeoutMs: 5000, retries: 0, queueLimit: 1 });
    tell((event, context) => notifier.notify(event, context), 'slow');
    tell((event, context) => notifier.notify(event, context), 'slower');
    // 6 messages: one in flight, one waiting, four dropped; one warning says so.
    expect(notifier.counts().hang).toEqual({ sent: 0, failed: 0, dropped: 4 });
    expect(logger.records.filter((r) => r.level === 'warn').map((r) => [r.msg, r.fields.dropped])).toEqual([['notification hang: endpoint slower than the events, message dropped', 1]]);
    await notifier.flush(0);
    expect(notifier.counts().hang).toEqual({ sent: 0, failed: 1, dropped: 5 });
  });

  it('reads a URL from the environment, and names the field when it is not set (never the URL)', () => {
    const fromEnv: NotificationSpec = { name: 'chat', type: 'slack', severity: 'info', urlFrom: { env: 'CHAT_URL' } };
    expect(notificationEndpoints([fromEnv], { CHAT_URL: 'https://hooks.example/T/B/secret' })).toEqual([{ spec: fromEnv, url: 'https://hooks.example/T/B/secret' }]);
    expect(() => notificationEndpoints([fromEnv], {})).toThrow(new NotificationUrlError('spec.notifications[0].urlFrom.env', 'environment variable CHAT_URL is not set in this process'));
    expect(() => notificationEndpoints([fromEnv], { CHAT_URL: 'hooks.example/T/B/secret' })).toThrow(/^spec\.notifications\[0\]\.urlFrom: the value is not an http/);
  });
});

function link(step: string, phase: string): string {
  return `https://grafana.example/d/tcp?var-shift=echo&var-ns=shop&step=${step}&phase=${phase}`;
}

function slackBody(severity: string, color: string, what: string, text: string, step: string, weights: string, phase: string, reason: string | undefined, linkStep: string): unknown {
  const title = `shop/echo: ${what}`;
  return {
    text: `[${severity}] ${title}`,
    attachments: [
      {
        fallback: `[${severity}] ${title}: ${text}`,
        color,
        title,
        title_link: link(linkStep, phase),
        text,
        fields: [
          { title: 'Shift', value: 'shop/echo', short: true },
          { title: 'Step', value: step, short: true },
          { title: 'Weights', value: weights, short: true },
          { title: 'Phase', value: phase, short: true },
          ...(reason === undefined ? [] : [{ title: 'Reason', value: reason, short: false }]),
        ],
        footer: 'tcpshift',
        ts: expect.any(Number) as number,
      },
    ],
  };
}
