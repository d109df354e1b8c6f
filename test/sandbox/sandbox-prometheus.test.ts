// A real Prometheus (Debian's prometheus) started by the sandbox scrapes the gateway emulator's
// Istio TCP metrics and the echo pods; PromQL through the analysis client sees what happened:
// connections per destination_version, and the canary's refused connects as UF,URX.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusClient } from '../../src/analysis/index.js';
import { envLines } from '../../src/cli/sandbox-control.js';
import { startSandbox, type Sandbox, type SandboxInfo } from '../../src/sandbox/index.js';
import { systemClock } from '../../src/util/clock.js';
import { runTcpshift } from '../support/cli.js';
import { waitFor } from '../support/probe-wait.js';
import { programOrSkip } from '../support/require-program.js';
import { whoAnswers } from '../support/sandbox-clients.js';

const prometheusProgram = programOrSkip('prometheus');

/** Sorted `label=value` pairs with the value of each series, for comparison. */
const bySeries = (samples: ReadonlyArray<{ labels: Readonly<Record<string, string>>; value: number }>, labels: string[]): Record<string, number> =>
  Object.fromEntries(samples.map((s) => [labels.map((l) => s.labels[l] ?? '').join(' '), s.value] as const).sort(([a], [b]) => a.localeCompare(b)));
const sameSeries = (a: Record<string, number>, b: Record<string, number>): boolean => JSON.stringify(a) === JSON.stringify(bySeries(Object.entries(b).map(([k, value]) => ({ labels: { k }, value })), ['k']));

describe.skipIf(!prometheusProgram)('sandbox up --prometheus: a real Prometheus scraping the gateway', () => {
  let sandbox: Sandbox;
  let prometheus: PrometheusClient;
  // The gateway's weighted choice alternates v1, v2, v1, ... once both have weight.
  let draws = 0;
  const alternate = (): number => (draws++ % 2 === 0 ? 0.25 : 0.75);

  beforeAll(async () => {
    sandbox = await startSandbox({ drainMs: 500, podDrainGraceMs: 200, replicas: 1, random: alternate, prometheus: { program: prometheusProgram as string } });
    prometheus = new PrometheusClient({ address: sandbox.info.prometheus?.url ?? 'http://missing', clock: systemClock, timeoutMs: 5000 });
  }, 90_000);
  afterAll(async () => {
    await sandbox.stop();
  });

  /** Poll a query until its series are as expected (Prometheus scrapes every second), then compare. */
  const eventually = async (query: string, labels: string[], expected: Record<string, number>): Promise<void> => {
    const deadline = Date.now() + 20_000;
    let last: Record<string, number> = {};
    while (Date.now() < deadline) {
      last = bySeries((await prometheus.query(query)).samples, labels);
      if (sameSeries(last, expected)) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(last, query).toEqual(expected);
  };

  it('writes its URL and the gateway metrics endpoint to sandbox.json, and scrapes the gateway and every echo pod', async () => {
    const info = JSON.parse(await readFile(sandbox.files.sandboxJson, 'utf8')) as SandboxInfo;
    expect(info.prometheus?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.prometheus?.scrapeIntervalMs).toBe(1000);
    expect(info.gatewayStats).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/stats\/prometheus$/);
    expect(envLines(info, sandbox.files.dir)).toContain(`# gateway metrics ${info.gatewayStats}\n# prometheus ${info.prometheus?.url ?? ''}\n`);
    const pods = Object.fromEntries(sandbox.pods().map((p) => [`echo-pods ${p.name}`, 1]));
    await eventually('up', ['job', 'pod'], { ...pods, 'istio-ingressgateway istio-ingressgateway': 1 });
    await eventually('sum by (version) (tcpshift_echo_ready)', ['version'], { v1: 1, v2: 1 });
  });

  it('counts connections per destination_version, and the canary\'s refused connects as UF,URX', async () => {
    const ops = [
      { op: 'replace' as const, path: '/spec/tcp/0/route/0/weight', value: 50 },
      { op: 'replace' as const, path: '/spec/tcp/0/route/1/weight', value: 50 },
    ];
    await sandbox.kube.virtualServices.patch('echo', 'echo', { type: 'json', ops });
    await waitFor(() => (sandbox.gateway.listener(31400)?.tcpProxy?.clusters.length ?? 0) === 2, 'gateway weights 50/50');
    const answered: string[] = [];
    for (let i = 0; i < 6; i++) answered.push((await whoAnswers(sandbox.info.gateway.port))?.version ?? 'closed');
    expect(answered).toEqual(['v1', 'v2', 'v1', 'v2', 'v1', 'v2']);
    await sandbox.setFault({ version: 'v2' }, 'refuse');
    for (let i = 0; i < 4; i++) answered.push((await whoAnswers(sandbox.info.gateway.port))?.version ?? 'closed');
    expect(answered.slice(6)).toEqual(['v1', 'closed', 'v1', 'closed']);

    await eventually('sum by (destination_version) (istio_tcp_connections_opened_total{reporter="source", response_flags="-"})', ['destination_version'], { v1: 5, v2: 3 });
    // A failed connect knows only the endpoint's metadata: version "unknown", the workload and canonical revision known.
    await eventually('sum by (destination_workload, destination_canonical_revision, response_flags) (istio_tcp_connections_closed_total{response_flags!="-"})', ['destination_workload', 'destination_canonical_revision', 'response_flags'], { 'echo-v2 v2 UF,URX': 2 });
    const rate = await prometheus.queryValue(
      'sum(istio_tcp_connections_closed_total{destination_canonical_revision="v2", response_flags=~"UF.*|UH|URX.*"}) / sum(istio_tcp_connections_opened_total{destination_canonical_revision="v2"})',
    );
    expect(rate).toMatchObject({ kind: 'value', value: 0.4 });
  });
});

describe('sandbox up --prometheus without Prometheus installed', () => {
  it('is exit 2 naming the Debian package, before anything starts or is written', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-no-prometheus-'));
    const savedPath = process.env.PATH;
    process.env.PATH = root; // nothing named prometheus there
    try {
      const dir = path.join(root, 'sandbox');
      const run = await runTcpshift(['sandbox', 'up', '--prometheus', '--dir', dir]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--prometheus: prometheus not found: install Debian's prometheus package \(apt-get install -y prometheus\)/);
      expect(run.stdout).toBe('');
      expect(existsSync(dir)).toBe(false);
    } finally {
      process.env.PATH = savedPath;
      await rm(root, { recursive: true, force: true });
    }
  });
});
