import { describe, expect, it } from 'vitest';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import type { SpecIssue } from '../../src/spec/issues.js';
import { exampleObject, withChanges } from './examples.js';

function issuesOf(changes: Record<string, unknown>): SpecIssue[] {
  const result = parseTCPShiftObject(withChanges(exampleObject('shift.yaml'), changes));
  return result.ok ? [] : result.issues;
}

describe('the spec bounds what one shift may ask of the probing process', () => {
  it.each([
    ['spec.probe.longLived.connections', 1000, 1001],
    ['spec.probe.newConnections.concurrency', 1000, 1001],
    ['spec.probe.newConnections.perStep', 100_000, 100_001],
    ['spec.target.tcpKeepalive.probes', 127, 128],
  ])('%s accepts %d and refuses %d, naming the field', (path, allowed, refused) => {
    expect(issuesOf({ [path]: allowed })).toEqual([]);
    expect(issuesOf({ [path]: refused })).toEqual([{ path, message: expect.stringMatching(/must be an integer in \d+\.\.\d+/) }]);
  });
});

describe('the spec bounds every duration', () => {
  it.each([
    ['spec.schedule.bake', '24h', '24h1s', /at most 24h/],
    ['spec.schedule.bake', '24h', '1000000h', /at most 596h/],
    ['spec.analysis.drainDuration', '1h', '61m', /at most 1h/],
    ['spec.probe.connectTimeout', '1h', '2h', /at most 1h/],
    ['spec.probe.longLived.timeout', '1h', '3601s', /at most 1h/],
    ['spec.target.tcpKeepalive.time', '32767s', '32768s', /at most 9h6m7s/],
  ])('%s accepts %s and refuses %s', (path, allowed, refused, message) => {
    expect(issuesOf({ [path]: allowed })).toEqual([]);
    expect(issuesOf({ [path]: refused })).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('refuses a 400-digit duration by its field, without a timer ever seeing it', () => {
    const path = 'spec.probe.longLived.heartbeat';
    expect(issuesOf({ [path]: `${'1'.repeat(400)}ms` })).toContainEqual({ path, message: expect.stringMatching(/must be a duration/) });
  });
});

describe('probe.identify.pattern', () => {
  it('is at most 1024 characters, said once', () => {
    const path = 'spec.probe.identify.pattern';
    expect(issuesOf({ 'spec.probe.identify': { mode: 'regex', pattern: `(?<version>${'x'.repeat(1100)})` } })).toEqual([
      { path, message: 'must be at most 1024 characters' },
    ]);
  });
});
