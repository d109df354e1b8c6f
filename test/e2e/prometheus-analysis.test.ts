// Issue 16's proof against a real Prometheus (Debian's prometheus package) scraping the sandbox
// gateway's Istio TCP metrics: the CLI's shift (in this process) judged by
// tcp-connection-failure-rate while clients other than the probes use the gateway. The probes are
// made unable to breach (no long-lived connections, one new connection per step, any failure rate
// allowed), so what rolls back is the metric.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { runTcpshift } from '../support/cli.js';
import { programOrSkip } from '../support/require-program.js';
import { tally } from '../support/sandbox-clients.js';
import { shiftDocument } from '../support/shift-fixtures.js';

const prometheus = programOrSkip('prometheus');
let sandbox: Sandbox;

beforeAll(async () => {
  if (prometheus) sandbox = await startSandbox({ drainMs: 300, replicas: 1, tcpReportingMs: 1000, prometheus: {} });
}, 60_000);
afterAll(async () => sandbox?.stop());

/** Clients of the gateway for as long as the shift runs: a connection at a time, 4 at once. */
function clients(port: number): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) await tally(port, 8, 4);
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const failureRate = (changes: Record<string, unknown> = {}) => ({
  name: 'failures',
  template: 'tcp-connection-failure-rate',
  thresholdRange: { max: 0.05 },
  interval: '3s',
  failureLimit: 1,
  onNoData: 'wait',
  ...changes,
});

async function shift(name: string, metric: Record<string, unknown>): Promise<{ code: number; report: { outcome: string; steps: Array<{ verdict: string; metrics?: unknown[] }>; rollback?: { reason: string } }; stderr: string }> {
  const file = path.join(sandbox.files.dir, `${name}.yaml`);
  const doc = shiftDocument({
    'metadata.name': name,
    'spec.probe.address': `${sandbox.info.gateway.host}:${sandbox.info.gateway.port}`,
    'spec.schedule.steps': [50],
    'spec.schedule.bake': '3s',
    'spec.probe.longLived.connections': 0,
    'spec.probe.newConnections.perStep': 1,
    'spec.analysis.maxNewConnectionFailureRate': 1,
    'spec.analysis.drainDuration': '300ms',
    'spec.analysis.metrics': [metric],
  });
  await writeFile(file, stringify(doc));
  const traffic = clients(sandbox.info.gateway.port);
  try {
    const args = ['shift', '-f', file, '--kubeconfig', sandbox.info.kubeconfig, '--prometheus', sandbox.info.prometheus!.url, '--report-dir', path.join(sandbox.files.dir, name), '-o', 'json'];
    const run = await runTcpshift(args, { env: process.env });
    return { code: run.code, report: run.code === 2 ? ({} as never) : JSON.parse(run.stdout), stderr: run.stderr };
  } finally {
    await traffic.stop();
  }
}

function vsAnnotations(): Record<string, string> {
  const vs = sandbox.api.objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' }) as { metadata: { annotations?: Record<string, string>; resourceVersion: string } };
  return { ...vs.metadata.annotations, resourceVersion: vs.metadata.resourceVersion };
}

describe.skipIf(!prometheus)('metric checks against a real Prometheus', () => {
  it('a query with a syntax error is exit 2 naming the metric and Prometheus\'s error, nothing written', async () => {
    const before = vsAnnotations();
    const result = await shift('bad-query', { name: 'custom', query: 'sum(rate(istio_tcp_connections_opened_total[{{ interval }}])', thresholdRange: { min: 0 }, onNoData: 'ignore' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/spec\.analysis\.metrics\[0\]\.query: metric custom: Prometheus: bad_data: .*parse error/);
    expect(vsAnnotations()).toEqual(before);
  });

  it('rolls back on tcp-connection-failure-rate when the canary refuses connections, the probes unable to breach', async () => {
    await sandbox.setFault({ version: 'v2' }, 'refuse');
    try {
      const result = await shift('refusing-canary', failureRate());
      expect(result.code, result.stderr).toBe(3);
      expect(result.report.outcome).toBe('rolled-back');
      expect(result.report.rollback?.reason).toMatch(/^metric failures: [\d.]+ outside \[-, 0\.05\]$/);
      expect(result.report.steps[0]).toMatchObject({ verdict: 'breach', metrics: [{ name: 'failures', verdict: 'failed', max: 0.05 }] });
    } finally {
      await sandbox.setFault({ version: 'v2' }, 'pass');
    }
  });

  it('promotes a healthy canary, its step recording the metric ok', async () => {
    const result = await shift('healthy-canary', failureRate());
    expect(result.code, result.stderr).toBe(0);
    expect(result.report.steps.map((s) => s.metrics)).toEqual([[{ name: 'failures', value: 0, max: 0.05, verdict: 'ok' }]]);
  });
});
