import { describe, expect, it } from 'vitest';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import { exampleObject, withChanges } from './examples.js';

const slack = { name: 'oncall', type: 'slack', url: 'https://hooks.slack.com/services/T0/B0/X' };

function parse(notifications: unknown) {
  return parseTCPShiftObject(withChanges(exampleObject('shift.yaml'), { 'spec.notifications': notifications }));
}

function problems(notifications: unknown): string[] {
  const result = parse(notifications);
  if (result.ok) throw new Error('expected the notifications to be refused');
  return result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('spec.notifications', () => {
  it('keeps each notification as written, severity info when not given', () => {
    const result = parse([slack, { name: 'teams', type: 'teams', url: 'https://example.org/flow', severity: 'error', link: 'https://grafana.example/d/tcp?var-shift={{ name }}&step={{step}}' }]);
    if (!result.ok) throw new Error(result.issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'));
    expect(result.resource.spec.notifications).toEqual([
      { ...slack, severity: 'info' },
      { name: 'teams', type: 'teams', url: 'https://example.org/flow', severity: 'error', link: 'https://grafana.example/d/tcp?var-shift={{ name }}&step={{step}}' },
    ]);
  });

  it('refuses an unknown link placeholder, naming the field and the placeholders allowed', () => {
    expect(problems([{ ...slack, link: 'https://grafana.example/d?from={{startedAt}}' }])).toEqual([
      'spec.notifications[0].link: unknown placeholder {{ startedAt }} (allowed: {{ name }}, {{ namespace }}, {{ step }}, {{ phase }})',
    ]);
  });

  it('refuses an unknown type or severity and a URL that is not http(s)', () => {
    const found = problems([{ ...slack, type: 'discord' }, { ...slack, name: 'b', severity: 'critical' }, { ...slack, name: 'c', url: 'ftp://chat.example/hook' }]);
    expect(found).toEqual([
      'spec.notifications[0].type: must be one of: slack, teams, generic',
      'spec.notifications[1].severity: must be one of: info, warn, error',
      expect.stringMatching(/^spec\.notifications\[2\]\.url: must be an http:\/\/ or https:\/\/ URL/),
    ]);
  });

  it('takes the URL from exactly one place: url, urlFrom.env or urlFrom.file', () => {
    const { url: _url, ...withoutUrl } = slack;
    expect(parse([{ ...withoutUrl, urlFrom: { env: 'SLACK_WEBHOOK_URL' } }]).ok).toBe(true);
    expect(problems([withoutUrl])).toEqual(['spec.notifications[0].url: give exactly one of url, urlFrom.env, urlFrom.file']);
    expect(problems([{ ...slack, urlFrom: { file: '/var/run/secrets/slack/url' } }])).toEqual(['spec.notifications[0].url: give exactly one of url, urlFrom.env, urlFrom.file']);
  });

  it('refuses a second notification of the same name', () => {
    expect(problems([slack, { ...slack, type: 'generic' }])).toEqual(['spec.notifications[1].name: duplicates notifications[].name oncall']);
  });

  it('refuses an unknown field in a notification', () => {
    expect(problems([{ ...slack, channel: '#ops' }])).toEqual([expect.stringMatching(/^spec\.notifications\[0\]\.channel: unknown field/)]);
  });
});
