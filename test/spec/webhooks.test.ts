import { describe, expect, it } from 'vitest';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import type { SpecIssue } from '../../src/spec/issues.js';
import { exampleObject, withChanges } from './examples.js';

function parseWith(webhooks: unknown) {
  return parseTCPShiftObject(withChanges(exampleObject('shift.yaml'), { 'spec.webhooks': webhooks }));
}

function issuesOf(webhooks: unknown): SpecIssue[] {
  const result = parseWith(webhooks);
  if (result.ok) throw new Error('expected the webhooks to be rejected');
  return result.issues;
}

describe('spec.webhooks', () => {
  it('resolves defaults: timeout 10s, 2 retries, no metadata, no secret', () => {
    const result = parseWith([{ name: 'load-test', type: 'pre-step', url: 'https://ci.example/hooks/load' }]);
    expect(result.ok && result.shift.spec.webhooks).toEqual([
      { name: 'load-test', type: 'pre-step', url: 'https://ci.example/hooks/load', timeoutMs: 10_000, retries: 2, metadata: {}, secret: undefined },
    ]);
  });

  it('keeps metadata and the secret source as written', () => {
    const result = parseWith([
      { name: 'gate', type: 'confirm-step', url: 'http://gate.ci:8080/ok', timeout: '60s', retries: 10, metadata: { team: 'edge' }, secret: { secretRef: { name: 'hooks', key: 'hmac.key' } } },
    ]);
    expect(result.ok && result.shift.spec.webhooks[0]).toMatchObject({ timeoutMs: 60_000, retries: 10, metadata: { team: 'edge' }, secret: { secretRef: { name: 'hooks', key: 'hmac.key' } } });
  });

  it.each([
    [{ url: 'ftp://ci.example/x' }, 'url', /http:\/\/ or https:\/\/ URL/],
    [{ url: 'not a url' }, 'url', /http:\/\/ or https:\/\/ URL/],
    [{ type: 'after-step' }, 'type', /pre-step, confirm-step, post-step, confirm-promotion, rollback, event/],
    [{ timeout: '61s' }, 'timeout', /at most 1m/],
    [{ retries: 11 }, 'retries', /0\.\.10/],
    [{ secret: { file: '/k', secretRef: { name: 's', key: 'k' } } }, 'secret.file', /exactly one of file, secretRef/],
    [{ secret: {} }, 'secret.file', /exactly one of file, secretRef/],
    [{ secret: { secretRef: { name: 's', key: 'a/b' } } }, 'secret.secretRef.key', /Secret data key/],
  ])('refuses %j naming spec.webhooks[0].%s', (change, field, message) => {
    const issues = issuesOf([{ name: 'a', type: 'pre-step', url: 'https://ci.example/x', ...change }]);
    expect(issues).toContainEqual({ path: `spec.webhooks[0].${field}`, message: expect.stringMatching(message) });
  });

  it('refuses a name used twice, at the second entry', () => {
    const hook = { name: 'a', type: 'event', url: 'https://ci.example/x' };
    expect(issuesOf([hook, hook])).toEqual([{ path: 'spec.webhooks[1].name', message: 'duplicates webhooks[].name a' }]);
  });
});
