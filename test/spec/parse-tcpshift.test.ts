import { describe, expect, it } from 'vitest';
import { parseTCPShiftObject, parseTCPShiftText } from '../../src/spec/parse-tcpshift.js';
import type { SpecIssue } from '../../src/spec/issues.js';
import { exampleObject, exampleText, valueAt, withChanges, type Doc } from './examples.js';

function issuesOf(document: unknown): SpecIssue[] {
  const result = parseTCPShiftObject(document);
  if (result.ok) throw new Error('expected the document to be rejected');
  return result.issues;
}

function example(changes: Record<string, unknown>): Doc {
  return withChanges(exampleObject('shift.yaml'), changes);
}

describe('parseTCPShift', () => {
  it('resolves the DESIGN example: defaults applied, durations in milliseconds', () => {
    const result = parseTCPShiftText(exampleText('shift.yaml'));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { shift } = result;
    expect(shift).toMatchObject({ name: 'echo', namespace: 'echo' });
    expect(shift.spec).toMatchObject({
      provider: 'istio',
      paused: false,
      onDelete: 'rollback',
      target: { virtualService: 'echo', host: 'echo.echo.svc.cluster.local', port: 9000, matchPort: 31400, gateways: ['echo-gateway'] },
      stable: { subset: 'v1' },
      canary: { subset: 'v2' },
      schedule: { steps: [10, 25, 50, 100], bakeMs: 60_000 },
      probe: {
        address: { host: 'istio-ingressgateway.istio-system.svc', port: 31400 },
        identify: { mode: 'banner' },
        connectTimeoutMs: 2000,
        longLived: { connections: 20, heartbeatMs: 1000, timeoutMs: 2000 },
        newConnections: { perStep: 200, concurrency: 20 },
      },
      analysis: { splitConfidence: 0.99, splitTolerance: 0.05, existingConnections: 'tolerate-drain', drainDurationMs: 45_000 },
    });
  });

  it('fills every default of a minimal document', () => {
    const result = parseTCPShiftObject({
      apiVersion: 'tcpshift.io/v1alpha1',
      kind: 'TCPShift',
      metadata: { name: 'm' },
      spec: {
        target: { virtualService: 'vs', destinationRule: 'dr', host: 'h', port: 1, matchPort: 2 },
        stable: { subset: 'a' },
        canary: { subset: 'b' },
        schedule: { steps: [100] },
        probe: { address: '[::1]:31400' },
      },
    });
    expect(result.ok && result.shift).toEqual({
      name: 'm',
      namespace: 'default',
      spec: {
        provider: 'istio',
        strategy: 'route',
        paused: false,
        onDelete: 'rollback',
        target: { virtualService: 'vs', destinationRule: 'dr', host: 'h', port: 1, matchPort: 2, matchPorts: [2], gateways: undefined, gatewaySelector: { istio: 'ingressgateway' }, tcpKeepalive: undefined },
        // strategy locality's defaults, tcpshift/<service>/<subset>
        stable: { subset: 'a', locality: 'tcpshift/h/a' },
        canary: { subset: 'b', locality: 'tcpshift/h/b' },
        schedule: { steps: [100], gates: [], bakeMs: 60_000 },
        probe: {
          address: { host: '::1', port: 31400 },
          protocol: { name: 'echo' },
          tls: undefined,
          identify: { mode: 'banner' },
          connectTimeoutMs: 2000,
          longLived: { connections: 20, heartbeatMs: 1000, timeoutMs: 2000 },
          newConnections: { perStep: 200, concurrency: 20 },
        },
        analysis: {
          maxNewConnectionFailureRate: 0.01,
          maxEchoErrors: 0,
          splitConfidence: 0.99,
          splitTolerance: 0.05,
          existingConnections: 'tolerate-drain',
          drainDurationMs: 45_000,
          onExternalChange: 'pause',
          prometheus: undefined,
          metrics: [],
        },
        webhooks: [],
        notifications: [],
      },
    });
  });

  it('resolves the gateway-api example with its own target', () => {
    const result = parseTCPShiftText(exampleText('shift-gateway-api.yaml'));
    expect(result.ok && result.shift.spec).toMatchObject({
      provider: 'gateway-api',
      target: { tcpRoute: 'echo', gateway: { name: 'echo-gateway', sectionName: 'tcp' }, port: 9000, apiVersion: 'gateway.networking.k8s.io/v1alpha2' },
      stable: { service: 'echo-v1' },
      canary: { service: 'echo-v2' },
    });
  });

  it('accepts an object as the API server returns it: server metadata and status', () => {
    const doc = example({
      'metadata.uid': 'u-1',
      'metadata.resourceVersion': '42',
      'metadata.generation': 3,
      'metadata.creationTimestamp': '2026-01-01T00:00:00Z',
      'metadata.managedFields': [{}],
      status: { phase: 'Progressing', currentStep: 1 },
    });
    expect(parseTCPShiftObject(doc).ok).toBe(true);
  });

  it('resolves tcpKeepalive durations and the identify variants', () => {
    const doc = example({
      'spec.target.tcpKeepalive': { time: '2m', interval: '1m30s', probes: 3 },
      'spec.probe.identify': { mode: 'regex', pattern: 'Version: (?<version>\\S+)' },
    });
    const result = parseTCPShiftObject(doc);
    expect(result.ok && result.shift.spec).toMatchObject({
      target: { tcpKeepalive: { timeMs: 120_000, intervalMs: 90_000, probes: 3 } },
      probe: { identify: { mode: 'regex', pattern: 'Version: (?<version>\\S+)' } },
    });
    const prefix = parseTCPShiftObject(example({ 'spec.probe.identify': { mode: 'prefix', stable: 'one', canary: 'two' } }));
    expect(prefix.ok && prefix.shift.spec.probe.identify).toEqual({ mode: 'prefix', stable: 'one', canary: 'two' });
  });

  it('reports every problem at once, each with its full path', () => {
    const issues = issuesOf(
      example({
        'spec.schedule.steps': [10, 10, 50],
        'spec.probe.longLived.heartbeat': '5s',
        'spec.target.port': 0,
        'spec.analysis.drainDurationn': '45s',
      }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(
      ['spec.analysis.drainDurationn', 'spec.probe.longLived.heartbeat', 'spec.schedule.steps[1]', 'spec.target.port'].sort(),
    );
    expect(issues.find((i) => i.path === 'spec.schedule.steps[1]')?.message).toMatch(/strictly increasing integers in 1\.\.100/);
    expect(issues.find((i) => i.path === 'spec.analysis.drainDurationn')?.message).toMatch(/unknown field.*drainDuration/);
  });

  it('rejects a typo instead of ignoring it', () => {
    const doc = exampleObject('shift.yaml');
    const issues = issuesOf(withChanges(doc, { 'spec.schedul': valueAt(doc, 'spec.schedule'), 'spec.schedule': undefined }));
    expect(issues).toContainEqual({ path: 'spec.schedul', message: expect.stringMatching(/unknown field \(allowed here: .*schedule/) });
    expect(issues).toContainEqual({ path: 'spec.schedule', message: expect.stringMatching(/is required/) });
  });

  it('checks fields against the chosen provider', () => {
    const paths = issuesOf(example({ 'spec.provider': 'gateway-api' })).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['spec.target.virtualService', 'spec.target.tcpRoute', 'spec.stable.subset', 'spec.stable.service']));
  });

  it.each([
    ['(unclosed', /valid regular expression/],
    ['Version: (\\S+)', /named group `version`/],
    ['(?<other>x)', /named group `version`/],
    ['(?<version>\\w+)\\1', /RE2 runs in linear time \(no backreferences or lookaround\)/],
    ['(?<version>\\w+)(?=!)', /no backreferences or lookaround/],
  ])('rejects the identify regex %j', (pattern, message) => {
    const issues = issuesOf(example({ 'spec.probe.identify': { mode: 'regex', pattern } }));
    expect(issues).toEqual([{ path: 'spec.probe.identify.pattern', message: expect.stringMatching(message) }]);
  });

  it('rejects YAML that is not one document', () => {
    expect(parseTCPShiftText('a: [1')).toMatchObject({ ok: false, issues: [{ path: '', message: expect.stringMatching(/not valid YAML/) }] });
    expect(parseTCPShiftText('')).toMatchObject({ ok: false, issues: [{ message: expect.stringMatching(/found 0/) }] });
    expect(parseTCPShiftText(`${exampleText('shift.yaml')}\n---\n${exampleText('shift.yaml')}`)).toMatchObject({
      ok: false,
      issues: [{ message: expect.stringMatching(/exactly one YAML document.*found 2/) }],
    });
  });
});
