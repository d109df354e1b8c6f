// Istio's own samples/tcp-echo manifests (test/fixtures/istio-tcp-echo, unmodified) applied with
// the real kubectl into a namespace of their own, as a user tries them: the pods run, the
// gateway routes 100 % `one`, then about 20 % `two` after tcp-echo-20-v2.yaml, then a tcpshift
// shift of that route to 100 % and a rollback.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Pod } from '../../src/kube/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { execBin, repoRoot } from '../support/cli.js';
import { kubectl, kubectlBinary } from '../support/kube-kubectl.js';
import { waitFor } from '../support/probe-wait.js';

const NS = 'tcp-echo-sample';
const SAMPLE = path.join(repoRoot, 'test', 'fixtures', 'istio-tcp-echo');
const DRAIN_MS = 300;

let sandbox: Sandbox;
const k = async (args: string[], input?: string): Promise<string> => {
  const run = await kubectl({ kubeconfigPath: sandbox.files.kubeconfig, dir: sandbox.files.dir }, args, input === undefined ? {} : { input });
  if (run.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${run.stderr}`);
  return run.stdout;
};
const gateway = (): string => `${sandbox.info.gateway.host}:${sandbox.info.gateway.port}`;

interface ProbeJson {
  newConnections: { attempted: number; succeeded: number; failed: number; byVersion: Record<string, number> };
}

async function probe(seconds: number): Promise<ProbeJson['newConnections']> {
  const run = await execBin('tcpshift', ['probe', '--address', gateway(), '--identify', 'prefix:one,two', '--duration', `${seconds}s`, '--long-lived', '2', '--new-rate', '200', '-o', 'json'], { timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as ProbeJson).newConnections;
}

function routeWeights(): string {
  return JSON.stringify((sandbox.gateway.listener(31400)?.tcpProxy?.clusters ?? []).map((c) => [c.cluster.subset, c.weight]));
}

function vsWeights(): number[] {
  const vs = sandbox.api.objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'tcp-echo', namespace: NS }) as unknown as { spec: { tcp: Array<{ route: Array<{ weight?: number }> }> } };
  return vs.spec.tcp[0]!.route.map((r) => r.weight ?? 0);
}

describe.skipIf(!kubectlBinary)("Istio's samples/tcp-echo, unmodified, in the sandbox", () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ drainMs: DRAIN_MS, replicas: 1 });
    // The sandbox's own echo Gateway holds port 31400, as the sample's Gateway does; on a cluster
    // the second TCP server on one port is a conflict istiod drops, so make room first.
    await k(['delete', '-n', 'echo', 'virtualservice/echo', 'gateway/echo-gateway']);
  }, 60_000);
  afterAll(async () => sandbox?.stop());

  it('runs the pods, routes all to v1, 20 % to v2, and tcpshift shifts that route to 100 % and rolls it back', async () => {
    // (`kubectl create namespace` sends protobuf, which the emulator refuses: apply the object)
    await k(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n`);
    await k(['apply', '-n', NS, '-f', path.join(SAMPLE, 'tcp-echo-services.yaml')]);
    await k(['wait', '-n', NS, '--for=condition=Ready', 'pod', '-l', 'app=tcp-echo', '--timeout=30s']);
    const pods = (JSON.parse(await k(['get', 'pods', '-n', NS, '-o', 'json'])) as { items: Pod[] }).items;
    expect(pods.map((p) => p.metadata.labels?.version).sort()).toEqual(['v1', 'v2']);
    for (const pod of pods) {
      expect(pod.status).toMatchObject({ phase: 'Running', containerStatuses: [{ restartCount: 0, image: 'registry.istio.io/release/tcp-echo-server:1.3' }] });
      // The container ports as the sample wrote them; 9002 is listened on too (the args), undeclared.
      expect(pod.spec?.containers?.[0]?.ports).toMatchObject([{ containerPort: 9000 }, { containerPort: 9001 }]);
      expect(Object.keys(JSON.parse(pod.metadata.annotations?.['sandbox.tcpshift.io/ports'] ?? '{}') as object)).toEqual(expect.arrayContaining(['9000', '9001', '9002']));
    }

    await k(['apply', '-n', NS, '-f', path.join(SAMPLE, 'tcp-echo-all-v1.yaml')]);
    await waitFor(() => routeWeights() === JSON.stringify([['v1', 1]]), 'the gateway routing the sample to v1', 15_000);
    const allV1 = await probe(2);
    expect(allV1.failed).toBe(0);
    expect(allV1.byVersion).toEqual({ one: allV1.succeeded });

    await k(['apply', '-n', NS, '-f', path.join(SAMPLE, 'tcp-echo-20-v2.yaml')]);
    await waitFor(() => routeWeights() === JSON.stringify([['v1', 80], ['v2', 20]]), 'the gateway at 80/20', 15_000);
    await new Promise((r) => setTimeout(r, DRAIN_MS));
    const split = await probe(3);
    expect(split.failed).toBe(0);
    expect(split.succeeded).toBeGreaterThan(150);
    // 20 % within a bound that a right split leaves less than once in 10^6 runs at this sample size
    expect((split.byVersion.two ?? 0) / split.succeeded).toBeGreaterThan(0.08);
    expect((split.byVersion.two ?? 0) / split.succeeded).toBeLessThan(0.32);

    const spec = {
      apiVersion: 'tcpshift.io/v1alpha1',
      kind: 'TCPShift',
      metadata: { name: 'tcp-echo', namespace: NS },
      spec: {
        target: { virtualService: 'tcp-echo', destinationRule: 'tcp-echo-destination', host: `tcp-echo.${NS}.svc.cluster.local`, port: 9000, matchPort: 31400, gateways: ['tcp-echo-gateway'] },
        stable: { subset: 'v1' },
        canary: { subset: 'v2' },
        schedule: { steps: [100], bake: '2s' },
        probe: { address: gateway(), identify: { mode: 'prefix', stable: 'one', canary: 'two' }, longLived: { connections: 4, heartbeat: '500ms', timeout: '1s' }, newConnections: { perStep: 400, concurrency: 10 } },
        analysis: { splitTolerance: 0.2, splitConfidence: 0.9999, drainDuration: `${DRAIN_MS}ms` },
      },
    };
    const file = path.join(sandbox.files.dir, 'tcp-echo-shift.yaml');
    await writeFile(file, stringify(spec));
    const kubeconfig = ['--kubeconfig', sandbox.files.kubeconfig];
    const shift = await execBin('tcpshift', ['shift', '-f', file, ...kubeconfig, '--report-dir', path.join(sandbox.files.dir, 'tcp-echo-report')], { timeoutMs: 60_000 });
    expect(shift.code, shift.stdout + shift.stderr).toBe(0);
    expect(vsWeights()).toEqual([0, 100]);
    await waitFor(() => routeWeights() === JSON.stringify([['v2', 100]]), 'the gateway on v2', 15_000);

    const rollback = await execBin('tcpshift', ['rollback', 'tcp-echo', ...kubeconfig, '-n', NS], { timeoutMs: 30_000 });
    expect(rollback.code, rollback.stdout + rollback.stderr).toBe(0);
    expect(vsWeights()).toEqual([100, 0]);
    await waitFor(() => routeWeights() === JSON.stringify([['v1', 100]]), 'the gateway back on v1', 15_000);
  }, 120_000);
});
