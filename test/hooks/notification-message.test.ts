import { describe, expect, it } from 'vitest';
import { EventFolding } from '../../src/hooks/event-folding.js';
import { fillLink } from '../../src/hooks/link-template.js';
import { notificationMessage } from '../../src/hooks/notification-message.js';
import { atLeast, EVENT_SEVERITY } from '../../src/hooks/notification-severity.js';
import type { HookContext, ShiftEvent, ShiftEventType } from '../../src/shift/index.js';

const context = (step: number | undefined, extra: Partial<HookContext> = {}): HookContext => ({
  shift: { name: 'echo', namespace: 'prod' },
  phase: 'Progressing',
  ...(step !== undefined && { step }),
  steps: 4,
  canaryWeight: 25,
  ...extra,
});
const event = (type: ShiftEventType, message: string = type): ShiftEvent => ({ type, message, warning: false });

/** The event types that become messages, in order, for one shift told as (type, step) pairs. */
function messaged(sequence: [ShiftEventType, number | undefined][]): ShiftEventType[] {
  const folding = new EventFolding();
  return sequence.filter(([type, step]) => folding.admit(event(type), context(step)) && EVENT_SEVERITY[type] !== 'none').map(([type]) => type);
}

describe('notification messages', () => {
  it('a breach that starts a rollback is one message, and the rollback\'s end another', () => {
    expect(messaged([['StepStarted', 2], ['Breach', 2], ['RollingBack', 2], ['RolledBack', 2]])).toEqual(['Breach', 'RolledBack']);
  });

  it('an operator rollback is announced once when it starts', () => {
    expect(messaged([['StepPassed', 1], ['RollingBack', 2], ['Aborted', 2]])).toEqual(['StepPassed', 'RollingBack', 'Aborted']);
  });

  it('the last step passing is told by the promotion; an external change by itself, not again as a pause', () => {
    expect(messaged([['StepPassed', 3], ['StepPassed', 4], ['Promoting', 4], ['Promoted', 4]])).toEqual(['StepPassed', 'Promoted']);
    expect(messaged([['ExternalChange', 2], ['Paused', 2], ['Resumed', 2], ['Paused', 2]])).toEqual(['ExternalChange', 'Resumed', 'Paused']);
  });

  it('an event told again for the same step (a retried reconcile) is not sent twice', () => {
    expect(messaged([['StepPassed', 1], ['StepPassed', 1], ['StepPassed', 2]])).toEqual(['StepPassed', 'StepPassed']);
  });

  it('keeps each shift apart', () => {
    const folding = new EventFolding();
    expect(folding.admit(event('Breach'), context(2))).toBe(true);
    expect(folding.admit(event('RollingBack'), context(2, { shift: { name: 'other', namespace: 'prod' } }))).toBe(true);
  });

  it('filters by severity: warn lets paused and breaches through, not steps passed', () => {
    expect(atLeast(EVENT_SEVERITY.StepPassed as 'info', 'warn')).toBe(false);
    expect(atLeast(EVENT_SEVERITY.Paused as 'warn', 'warn')).toBe(true);
    expect(atLeast(EVENT_SEVERITY.Breach as 'error', 'warn')).toBe(true);
    expect(atLeast(EVENT_SEVERITY.Breach as 'error', 'info')).toBe(true);
  });

  it('fills the link template URL-encoded, and names shift, step N/M and weights', () => {
    expect(fillLink('https://g.example/d?var-shift={{ name }}&ns={{namespace}}&s={{ step }}&p={{ phase }}', { name: 'a b', namespace: 'prod', step: '2', phase: 'RolledBack' })).toBe(
      'https://g.example/d?var-shift=a%20b&ns=prod&s=2&p=RolledBack',
    );
    const message = notificationMessage(event('Breach', 'step 2 (25%) breach: 3 resets'), context(2, { reason: '3 resets' }), 'error', 'https://g.example/{{ namespace }}/{{ name }}', 1_700_000_000_000);
    expect(message).toMatchObject({
      title: 'prod/echo: Breach at step 2/4',
      text: 'step 2 (25%) breach: 3 resets',
      weights: { stable: 75, canary: 25 },
      reason: '3 resets',
      link: 'https://g.example/prod/echo',
    });
  });
});
