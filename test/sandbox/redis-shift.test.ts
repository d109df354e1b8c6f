// A shift of a real Redis in the sandbox: two redis-server Deployments (v1, v2) behind a Service,
// a Gateway on port 6379, a DestinationRule and a VirtualService as `tcpshift render` writes
// them; each pod is told its version by a key the test seeds (`SET release v1`), which the
// redis preset reads with `GET release`. The CLI (a real process) promotes it with
// `protocol: redis`; with the canary's redis-server SIGSTOPped (a real hang: its kernel still
// accepts, nothing answers) the shift rolls back in-process, exit 3.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { renderIstioResources, type IstioShift } from '../../src/istio/render.js';
import type { KubeObject, Pod } from '../../src/kube/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import { execBin, runTcpshift } from '../support/cli.js';
import { redisCommand } from '../support/real-server-clients.js';
import { programOrSkip } from '../support/require-program.js';

const NS = 'redis';
const PORT = 6379;
const redis = programOrSkip('redis-server', 'redis-server');

interface Route {
  spec: { tcp: Array<{ route: Array<{ destination: { subset: string }; weight?: number }> }> };
}

function shiftDocument(address: string): KubeObject {
  return {
    apiVersion: 'tcpshift.io/v1alpha1',
    kind: 'TCPShift',
    metadata: { name: 'redis', namespace: NS },
    spec: {
      target: { virtualService: 'redis', destinationRule: 'redis', host: `redis.${NS}.svc.cluster.local`, port: PORT, matchPort: PORT, gateways: ['redis-gateway'] },
      stable: { subset: 'v1' },
      canary: { subset: 'v2' },
      schedule: { steps: [50, 100], bake: '1500ms' },
      probe: {
        address,
        protocol: { name: 'redis', command: 'GET release' },
        identify: { mode: 'regex', pattern: '(?<version>v[0-9]+)' },
        longLived: { connections: 4, heartbeat: '500ms', timeout: '1s' },
        newConnections: { perStep: 120, concurrency: 4 },
      },
      analysis: { drainDuration: '300ms', splitTolerance: 0.2, splitConfidence: 0.99 },
    },
  };
}

function deployment(version: string): KubeObject {
  const labels = { app: 'redis', version };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `redis-${version}`, namespace: NS },
    spec: { replicas: 1, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'redis', image: 'redis:7', ports: [{ containerPort: PORT }] }] } } },
  };
}

describe.skipIf(!redis)('a Redis v1/v2 shift in the sandbox with protocol: redis', () => {
  let sandbox: Sandbox;
  let address: string;
  let original: KubeObject;
  const vsRef = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', namespace: NS, name: 'redis' };
  const weights = (): Record<string, number> => Object.fromEntries((sandbox.api.objects.get(vsRef) as unknown as Route).spec.tcp[0]!.route.map((r) => [r.destination.subset, r.weight ?? 0]));
  const readyPod = async (version: string): Promise<{ pod: Pod; port: number }> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const pod = (await sandbox.kube.pods.list({ namespace: NS, labelSelector: `app=redis,version=${version}` })).items.find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      const port = (JSON.parse(pod?.metadata.annotations?.['sandbox.tcpshift.io/ports'] ?? '{}') as Record<string, number>)[String(PORT)];
      if (pod && port) return { pod, port };
      if (Date.now() > deadline) throw new Error(`no Ready redis ${version} pod`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const specFile = async (name: string): Promise<string> => {
    const file = path.join(sandbox.files.dir, `${name}.yaml`);
    await writeFile(file, stringify(shiftDocument(address)));
    return file;
  };
  /** The route back as rendered at weight 0, tcpshift's annotations gone. */
  const resetRoute = (): void => {
    const current = sandbox.api.objects.get(vsRef);
    sandbox.api.objects.update({ ...original, metadata: { ...original.metadata, resourceVersion: current.metadata.resourceVersion } });
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ replicas: 0, drainMs: 300 });
    const listener = sandbox.gateway;
    const parsed = parseTCPShiftObject(shiftDocument('127.0.0.1:1'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const routing = renderIstioResources(parsed.shift as IstioShift, 0) as unknown as KubeObject[];
    original = routing.find((o) => o.kind === 'VirtualService')!;
    sandbox.api.objects.apply([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'redis', namespace: NS }, spec: { selector: { app: 'redis' }, ports: [{ name: 'tcp-redis', port: PORT, targetPort: PORT }] } },
      deployment('v1'),
      deployment('v2'),
      ...routing,
    ]);
    for (const version of ['v1', 'v2']) expect(await redisCommand((await readyPod(version)).port, 'SET', 'release', version)).toBe('+OK\r\n');
    const deadline = Date.now() + 20_000;
    while (!listener.listener(PORT) || listener.endpoints({ name: `outbound|${PORT}|v1|redis.${NS}.svc.cluster.local`, host: `redis.${NS}.svc.cluster.local`, subset: 'v1', port: PORT }).length === 0) {
      if (Date.now() > deadline) throw new Error('the gateway did not route port 6379');
      await new Promise((r) => setTimeout(r, 100));
    }
    const l = listener.listener(PORT)!;
    address = `${l.host}:${l.port}`;
  }, 60_000);
  afterAll(async () => sandbox?.stop());

  it('the CLI (a real process) promotes v2: exit 0, report promoted with both versions seen, the route at v2 100', async () => {
    const file = await specFile('redis-promote');
    const run = await execBin('tcpshift', ['shift', '-f', file, '--kubeconfig', sandbox.files.kubeconfig, '--report-dir', path.join(sandbox.files.dir, 'promote'), '-o', 'json'], { timeoutMs: 60_000 });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { outcome: string; steps: Array<{ verdict: string; newConnections: { byVersion: Record<string, number> }; longLived: { ends: Record<string, number> } }> };
    expect(report.outcome).toBe('promoted');
    expect(report.steps.every((s) => s.verdict === 'ok')).toBe(true);
    expect(report.steps[0]!.newConnections.byVersion).toMatchObject({ v1: expect.any(Number) as number, v2: expect.any(Number) as number });
    expect(report.steps.reduce((n, s) => n + (s.longLived.ends.timeout ?? 0) + (s.longLived.ends.corrupt ?? 0), 0)).toBe(0);
    expect(weights()).toMatchObject({ v2: 100 });
  }, 70_000);

  it('with the canary redis-server SIGSTOPped it rolls back: exit 3, the route back at v1 100', async () => {
    resetRoute();
    const canary = await readyPod('v2');
    const pid = Number(canary.pod.metadata.annotations?.['sandbox.tcpshift.io/pid']);
    process.kill(pid, 'SIGSTOP');
    try {
      const file = await specFile('redis-rollback');
      const run = await runTcpshift(['shift', '-f', file, '--kubeconfig', sandbox.files.kubeconfig, '--report-dir', path.join(sandbox.files.dir, 'rollback'), '-o', 'json']);
      expect(run.code, run.stderr).toBe(3);
      const report = JSON.parse(run.stdout) as { outcome: string; rollback?: { reason: string } };
      expect(report.outcome).toBe('rolled-back');
      expect(report.rollback?.reason).toMatch(/timeout|no reply|within/);
      expect(weights()).toMatchObject({ v1: 100 });
      expect(weights().v2 ?? 0).toBe(0);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  }, 70_000);
});
