// spec.probe.protocol and spec.probe.tls: what a user may write, and the field each mistake names
// (exit 2 in the CLI, InvalidSpec in the controller), before anything connects or is written.
import { describe, expect, it } from 'vitest';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import type { SpecIssue } from '../../src/spec/issues.js';
import { exampleObject, withChanges, type Doc } from './examples.js';

function example(changes: Record<string, unknown>): Doc {
  return withChanges(exampleObject('shift.yaml'), changes);
}

function issuesOf(document: unknown): SpecIssue[] {
  const result = parseTCPShiftObject(document);
  if (result.ok) throw new Error('expected the document to be rejected');
  return result.issues;
}

const REDIS = { 'spec.probe.protocol': { name: 'redis', command: 'INFO server' }, 'spec.probe.identify': { mode: 'regex', pattern: 'redis_version:(?<version>\\S+)' } };
const SCRIPT = {
  name: 'script',
  open: [{ send: 'HELLO\\r\\n' }, { expect: '^OK (?<version>\\S+)', timeout: '500ms' }],
  heartbeat: [{ sendHex: '50 49 4e 47 0a' }, { expectBytes: 5 }],
};

describe('spec.probe.protocol', () => {
  it('defaults to echo and resolves presets and scripts as written', () => {
    const plain = parseTCPShiftObject(exampleObject('shift.yaml'));
    expect(plain.ok && plain.shift.spec.probe.protocol).toEqual({ name: 'echo' });
    const redis = parseTCPShiftObject(example(REDIS));
    expect(redis.ok && redis.shift.spec.probe.protocol).toEqual({ name: 'redis', command: 'INFO server' });
    const script = parseTCPShiftObject(example({ 'spec.probe.protocol': SCRIPT }));
    expect(script.ok && script.shift.spec.probe.protocol).toEqual({ ...SCRIPT, close: [] });
    const ssh = parseTCPShiftObject(example({ 'spec.probe.protocol': { name: 'ssh' }, 'spec.probe.identify': { mode: 'regex', pattern: '^SSH-2\\.0-(?<version>\\S+)' }, 'spec.probe.longLived.connections': 0 }));
    expect(ssh.ok).toBe(true);
  });

  it.each([
    ['a bad escape', { 'spec.probe.protocol': { ...SCRIPT, open: [{ send: 'A\\q' }, SCRIPT.open[1]] } }, 'spec.probe.protocol.open[0].send', /unknown escape \\q at offset 1/],
    ['odd hex', { 'spec.probe.protocol': { ...SCRIPT, heartbeat: [{ sendHex: 'c0 0' }, { expectBytes: 2 }] } }, 'spec.probe.protocol.heartbeat[0].sendHex', /hex digits, two per byte/],
    ['a backreference', { 'spec.probe.protocol': { ...SCRIPT, open: [{ expect: '(?<version>a)\\1' }] } }, 'spec.probe.protocol.open[0].expect', /no backreferences/],
    ['two kinds in one step', { 'spec.probe.protocol': { ...SCRIPT, open: [{ send: 'x', expect: 'y' }] } }, 'spec.probe.protocol.open[0]', /exactly one of send, sendHex, expect, expectBytes \(has send, expect\)/],
    ['a timeout on a send', { 'spec.probe.protocol': { ...SCRIPT, open: [{ send: 'x', timeout: '1s' }, SCRIPT.open[1]] } }, 'spec.probe.protocol.open[0].timeout', /expect and expectBytes steps only/],
    ['no version group', { 'spec.probe.protocol': { ...SCRIPT, open: [{ expect: '^OK' }] } }, 'spec.probe.protocol.open', /needs an expect with a named group \(\?<version>\.\.\.\)/],
    ['no heartbeat with long-lived connections', { 'spec.probe.protocol': { ...SCRIPT, heartbeat: [] } }, 'spec.probe.protocol.heartbeat', /at least one step when longLived.connections > 0/],
    ['ssh with long-lived connections', { 'spec.probe.protocol': { name: 'ssh' }, 'spec.probe.identify': { mode: 'regex', pattern: '(?<version>\\S+)' } }, 'spec.probe.longLived.connections', /must be 0 with protocol ssh: sshd closes .* LoginGraceTime/],
    ['postgres with long-lived connections', { 'spec.probe.protocol': { name: 'postgres' }, 'spec.probe.identify': { mode: 'regex', pattern: '(?<version>S)' } }, 'spec.probe.longLived.connections', /authentication_timeout/],
    ['redis without a way to identify', { 'spec.probe.protocol': { name: 'redis' } }, 'spec.probe.identify.mode', /banner finds no version with protocol redis: set protocol.command/],
    ['redis regex without a command', { ...REDIS, 'spec.probe.protocol': { name: 'redis' } }, 'spec.probe.protocol.command', /Redis sends nothing until asked/],
    ['a redis command with a control character', { ...REDIS, 'spec.probe.protocol': { name: 'redis', command: 'GET a\nb' } }, 'spec.probe.protocol.command', /1 to 16 printable words/],
    ['certificate identity without TLS', { 'spec.probe.identify': { mode: 'certificate', field: 'SAN' } }, 'spec.probe.identify.mode', /needs probe.tls/],
    ['TLS with a CA that is not PEM', { 'spec.probe.tls': { ca: 'not a certificate' } }, 'spec.probe.tls.ca', /PEM text/],
    ['an unknown protocol', { 'spec.probe.protocol': { name: 'http' } }, 'spec.probe.protocol.name', /echo|script|redis/],
  ])('names the field for %s', (_what, changes, path, message) => {
    expect(issuesOf(example(changes))).toContainEqual({ path, message: expect.stringMatching(message) });
  });
});
