// The whole sandbox with real echo processes, real sockets and kubectl: what a user of `sandbox up`
// and the shift engine rely on. Short drains (800 ms) keep it fast.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderIstioResources, type IstioShift } from '../../src/istio/render.js';
import { istioWeightPatch } from '../../src/istio/weight-patch.js';
import type { VirtualService as IstioVirtualService } from '../../src/istio/types.js';
import type { Pod, VirtualService } from '../../src/kube/index.js';
import { wilsonInterval } from '../../src/probe/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { Cluster } from '../../src/sandbox/mesh/index.js';
import { planWarnings } from '../../src/shift/plan.js';
import { parseTCPShiftText } from '../../src/spec/parse-tcpshift.js';
import { runTcpshift } from '../support/cli.js';
import { kubectl, kubectlBinary, type KubectlTarget } from '../support/kube-kubectl.js';
import { waitFor } from '../support/probe-wait.js';
import { hasEnded, openEcho, roundTrip, tally, whoAnswers, type TestClient } from '../support/sandbox-clients.js';

const DRAIN_MS = 800;
const HOST = 'echo.echo.svc.cluster.local';
const subsetCluster = (subset: string): Cluster => ({ name: `outbound|9000|${subset}|${HOST}`, host: HOST, subset, port: 9000 });

describe.skipIf(!kubectlBinary)('sandbox', () => {
  let sandbox: Sandbox;
  let target: KubectlTarget;
  const k = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl(target, args, input !== undefined ? { input } : {});
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const clients: TestClient[] = [];
  const keep = <T extends TestClient>(c: T): T => {
    clients.push(c);
    return c;
  };
  const gatewayPort = (): number => sandbox.info.gateway.port;
  const routeWeights = (): Array<[string, number]> =>
    (sandbox.gateway.listener(31400)?.tcpProxy?.clusters ?? []).map((c) => [c.cluster.subset ?? c.cluster.host, c.weight]);
  /**
   * Patch the two weights (with kubectl, or through src/kube when the time between the write and
   * the next step matters), then wait until the gateway routes by them.
   */
  const setWeights = async (v1: number, v2: number, via: 'kubectl' | 'api' = 'kubectl'): Promise<void> => {
    const ops = [
      { op: 'replace' as const, path: '/spec/tcp/0/route/0/weight', value: v1 },
      { op: 'replace' as const, path: '/spec/tcp/0/route/1/weight', value: v2 },
    ];
    if (via === 'kubectl') await k(['patch', 'virtualservice', 'echo', '--type=json', '-p', JSON.stringify(ops)]);
    else await sandbox.kube.virtualServices.patch('echo', 'echo', { type: 'json', ops });
    const expected = [['v1', v1], ['v2', v2]].filter(([, w]) => (w as number) > 0);
    await waitFor(() => JSON.stringify(routeWeights()) === JSON.stringify(expected), `gateway weights ${v1}/${v2}`);
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ drainMs: DRAIN_MS, podDrainGraceMs: 1500 });
    target = { kubeconfigPath: sandbox.info.kubeconfig, dir: sandbox.files.dir };
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await sandbox?.stop();
  });

  it("creates DESIGN's objects and writes sandbox.json, with pods that are real Ready processes", async () => {
    expect(JSON.parse(await readFile(sandbox.files.sandboxJson, 'utf8'))).toEqual(sandbox.info);
    expect(sandbox.info).toMatchObject({ namespace: 'echo', apiServer: sandbox.api.url, gateway: { host: '127.0.0.1', gatewayPort: 31400 } });
    const pods = (JSON.parse(await k(['get', 'pods', '-o', 'json'])) as { items: Pod[] }).items;
    expect(pods.map((p) => p.metadata.name).sort()).toEqual(sandbox.pods().map((p) => p.name));
    expect(pods.map((p) => p.metadata.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^echo-v1-/), expect.stringMatching(/^echo-v2-/)]));
    for (const pod of pods) {
      const running = sandbox.pods().find((p) => p.name === pod.metadata.name)!;
      expect(pod.metadata.labels).toMatchObject({ app: 'echo', version: running.version });
      expect(pod.status).toMatchObject({ phase: 'Running', podIP: '127.0.0.1' });
      expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
      // the template's container port as written; the loopback port the kubelet bound for it beside
      expect(pod.spec?.containers?.[0]?.ports).toContainEqual({ name: 'tcp-echo', containerPort: 9000, protocol: 'TCP' });
      expect(JSON.parse(pod.metadata.annotations?.['sandbox.tcpshift.io/ports'] ?? '{}')).toMatchObject({ 9000: running.port });
      expect(() => process.kill(running.pid, 0)).not.toThrow();
    }
    expect(sandbox.pods().filter((p) => p.version === 'v1')).toHaveLength(2);
    expect(sandbox.pods().filter((p) => p.version === 'v2')).toHaveLength(2);
    const names = await k(['get', 'services,gateways.networking.istio.io,destinationrules,virtualservices,deployments', '-o', 'name']);
    expect(names.split('\n').filter(Boolean).sort()).toEqual([
      'deployment.apps/echo-v1',
      'deployment.apps/echo-v2',
      'destinationrule.networking.istio.io/echo',
      'gateway.networking.istio.io/echo-gateway',
      'service/echo',
      'service/echo-v1',
      'service/echo-v2',
      'virtualservice.networking.istio.io/echo',
    ]);
    expect(await k(['get', 'crd', '-o', 'name'])).toMatch(/tcpshifts\.tcpshift\.io[\s\S]*tcproutes\.gateway\.networking\.k8s\.io|tcproutes[\s\S]*tcpshifts/);
  });

  it('writes a shift.yaml that fits the objects: the weight patch the engine computes applies and routes', async () => {
    const parsed = parseTCPShiftText(await readFile(sandbox.files.shiftYaml, 'utf8'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const shift = parsed.shift as IstioShift;
    expect(shift.spec.probe.address).toEqual({ host: '127.0.0.1', port: gatewayPort() });
    expect(shift.spec.analysis.drainDurationMs).toBe(DRAIN_MS);
    // Sampling fits the sandbox: no 'expect undecided' warning, so a first run shows decided splits.
    expect(planWarnings(shift.spec).filter((w) => w.includes('perStep'))).toEqual([]);
    const live = await sandbox.kube.virtualServices.get('echo', 'echo');
    const [vs, dr] = [renderIstioResources(shift, 0).find((o) => o.kind === 'VirtualService'), renderIstioResources(shift, 0).find((o) => o.kind === 'DestinationRule')];
    expect(live.spec).toEqual(vs?.spec);
    expect((await sandbox.kube.destinationRules.get('echo', 'echo')).spec).toEqual(dr?.spec);
    await sandbox.kube.virtualServices.patch('echo', 'echo', { type: 'json', ops: istioWeightPatch(live as unknown as IstioVirtualService, shift.spec, 25) });
    await waitFor(() => JSON.stringify(routeWeights()) === JSON.stringify([['v1', 75], ['v2', 25]]), 'the gateway to route 75/25');
    const now = await sandbox.kube.virtualServices.get('echo', 'echo');
    await sandbox.kube.virtualServices.patch('echo', 'echo', { type: 'json', ops: istioWeightPatch(now as unknown as IstioVirtualService, shift.spec, 0) });
    await waitFor(() => JSON.stringify(routeWeights()) === JSON.stringify([['v1', 100]]), 'the gateway back to v1');
  });

  it('splits new connections as the weights kubectl writes say (Wilson interval), round robin within a version', async () => {
    await setWeights(70, 30);
    const n = 400;
    const seen = await tally(gatewayPort(), n);
    expect(seen.closed).toBe(0);
    const v2 = seen.byVersion.v2 ?? 0;
    const [lo, hi] = wilsonInterval(v2, n, 0.9999);
    expect(lo).toBeLessThanOrEqual(0.3);
    expect(hi).toBeGreaterThanOrEqual(0.3);
    for (const pod of sandbox.pods()) expect(seen.byPod[pod.name] ?? 0).toBeGreaterThan(0);
    await setWeights(100, 0);
    expect((await tally(gatewayPort(), 40)).byVersion).toEqual({ v1: 40 });
  });

  it('keeps an existing connection echoing right after a weight change, then closes it within the drain window', async () => {
    const old = keep(await openEcho(gatewayPort()));
    const changedAt = Date.now();
    await setWeights(90, 10, 'api');
    await roundTrip(old, 'right after the change');
    const fresh = keep(await openEcho(gatewayPort()));
    await old.ended;
    const closedAfter = Date.now() - changedAt;
    expect(closedAfter).toBeGreaterThanOrEqual(DRAIN_MS - 50);
    expect(closedAfter).toBeLessThan(DRAIN_MS + 5000);
    await roundTrip(fresh, 'opened after the change: not drained');
    await setWeights(100, 0);
  });

  it('does not drain on a metadata-only change of the VirtualService (annotations, labels)', async () => {
    const c = keep(await openEcho(gatewayPort()));
    const generation = sandbox.gateway.listener(31400)?.generation;
    await k(['annotate', 'virtualservice', 'echo', 'tcpshift.io/state={"step":2}', '--overwrite']);
    await k(['label', 'virtualservice', 'echo', 'release=canary', '--overwrite']);
    await new Promise((r) => setTimeout(r, DRAIN_MS * 2.5));
    await roundTrip(c, 'still here');
    expect(sandbox.gateway.listener(31400)?.generation).toBe(generation);
  });

  it('sends no new connection to a deleted pod while it drains, then replaces it', async () => {
    const onPod = keep(await openEcho(gatewayPort()));
    const doomed = onPod.answer.pod;
    const pid = sandbox.pods().find((p) => p.name === doomed)!.pid;
    const deleting = sandbox.deletePod(doomed);
    await waitFor(() => !sandbox.gateway.endpoints(subsetCluster('v1')).some((e) => e.pod === doomed), 'the pod to leave the endpoints');
    expect(sandbox.pods().find((p) => p.name === doomed)?.terminating).toBe(true);
    const seen = await tally(gatewayPort(), 30);
    expect(seen.byPod[doomed]).toBeUndefined();
    expect(seen.byVersion.v1).toBe(30);
    await roundTrip(onPod, 'draining but still echoing');
    await deleting;
    expect(await hasEnded(onPod, 3000)).toBe(true);
    expect(() => process.kill(pid, 0)).toThrow();
    const gone = await kubectl(target, ['get', 'pod', doomed]);
    expect(gone.stderr).toMatch(/not found/);
    await waitFor(() => sandbox.pods().filter((p) => p.version === 'v1' && p.ready && !p.terminating).length === 2, 'a Ready replacement');
    expect(sandbox.pods().map((p) => p.name)).not.toContain(doomed);
    await waitFor(() => sandbox.gateway.endpoints(subsetCluster('v1')).length === 2, 'the replacement to be routed');
  });

  it('closes a new connection at once when its chosen subset has no endpoint (deployment scaled to 0)', async () => {
    await k(['patch', 'deployment', 'echo-v2', '--type=merge', '-p', '{"spec":{"replicas":0}}']);
    await waitFor(() => sandbox.pods().every((p) => p.version !== 'v2'), 'v2 pods to go');
    await setWeights(50, 50);
    const seen = await tally(gatewayPort(), 80);
    expect(seen.byVersion.v2).toBeUndefined();
    expect(seen.closed).toBeGreaterThan(15);
    expect(seen.closed).toBeLessThan(65);
    expect(seen.byVersion.v1).toBe(80 - seen.closed);
    await setWeights(100, 0);
    await k(['patch', 'deployment', 'echo-v2', '--type=merge', '-p', '{"spec":{"replicas":2}}']);
    await waitFor(() => sandbox.gateway.endpoints(subsetCluster('v2')).length === 2, 'v2 back', 20_000);
    const deployment = JSON.parse(await k(['get', 'deployment', 'echo-v2', '-o', 'json'])) as { status: { readyReplicas: number } };
    expect(deployment.status.readyReplicas).toBe(2);
  });

  it('routes a Gateway API TCPRoute (rendered from the example) through one Service per version', async () => {
    const saved = JSON.parse(await k(['get', 'virtualservice', 'echo', '-o', 'json'])) as VirtualService;
    await k(['delete', 'virtualservice', 'echo']);
    await waitFor(() => sandbox.gateway.listener(31400)?.tcpProxy === undefined, 'no route');
    expect(await whoAnswers(gatewayPort())).toBeUndefined();
    const rendered = await runTcpshift(['render', '-f', 'examples/shift-gateway-api.yaml', '--weight', '100']);
    expect(rendered.code).toBe(0);
    await k(['apply', '-f', '-'], rendered.stdout);
    await waitFor(() => sandbox.gateway.listener(31400)?.tcpProxy?.source === 'TCPRoute echo/echo', 'the TCPRoute to attach');
    expect((await tally(gatewayPort(), 20)).byVersion).toEqual({ v2: 20 });
    const route = parse(rendered.stdout) as { spec: { rules: Array<{ backendRefs: Array<{ weight: number }> }> } };
    route.spec.rules[0]!.backendRefs[0]!.weight = 50;
    route.spec.rules[0]!.backendRefs[1]!.weight = 50;
    await k(['apply', '-f', '-'], JSON.stringify(route));
    await waitFor(() => sandbox.gateway.listener(31400)?.tcpProxy?.clusters.length === 2, 'both backends');
    const both = await tally(gatewayPort(), 60);
    expect(both.byVersion.v1).toBeGreaterThan(10);
    expect(both.byVersion.v2).toBeGreaterThan(10);
    await k(['delete', 'tcproute', 'echo']);
    const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, generation: _g, managedFields: _mf, ...metadata } = saved.metadata;
    await k(['create', '-f', '-'], JSON.stringify({ ...saved, metadata }));
    await waitFor(() => sandbox.gateway.listener(31400)?.tcpProxy?.source === 'VirtualService echo/echo', 'the VirtualService back');
  });

  it('puts a fault proxy in front of a version: refuse resets its new connections, pass restores them', async () => {
    await expect(sandbox.setFault({ pod: 'echo-v9-nope' }, 'blackhole')).rejects.toThrow(/no running pod echo-v9-nope/);
    await expect(sandbox.setFault({ version: 'v2' }, 'delay')).rejects.toThrow(/delayMs/);
    await sandbox.setFault({ version: 'v2' }, 'refuse');
    await setWeights(50, 50);
    const refused = await tally(gatewayPort(), 60);
    expect(refused.byVersion.v2).toBeUndefined();
    expect(refused.closed).toBeGreaterThan(10);
    await sandbox.setFault({ version: 'v2' }, 'pass');
    const healed = await tally(gatewayPort(), 60);
    expect(healed.closed).toBe(0);
    expect(healed.byVersion.v2).toBeGreaterThan(10);
    await setWeights(0, 100);
    const stuck = keep(await openEcho(gatewayPort()));
    expect(stuck.answer.version).toBe('v2');
    await sandbox.setFault({ pod: stuck.answer.pod }, 'blackhole');
    stuck.write('into the void\n');
    await expect(stuck.waitForText((t) => t.includes('into the void'), 300)).rejects.toThrow();
    await sandbox.setFault({ pod: stuck.answer.pod }, 'pass');
    await stuck.waitForText((t) => t.includes('into the void\n'));
    await setWeights(100, 0);
  });

  it('echo pods carry their locality; once the DestinationRule has distribute, a pod without the label vanishes from the endpoints', async () => {
    const all: Cluster = { name: `outbound|9000||${HOST}`, host: HOST, subset: undefined, port: 9000 };
    const pods = (): string[] => sandbox.gateway.endpoints(all).map((e) => e.pod);
    await waitFor(() => pods().length === 4, 'four endpoints in the Service cluster');
    const localities = sandbox.gateway.loadAssignment(all.name)?.localities.map((l) => l.locality);
    expect(localities).toEqual(['tcpshift/echo/v1', 'tcpshift/echo/v2']);
    const unlabelled = sandbox.pods().find((p) => p.version === 'v2')?.name as string;
    await k(['label', 'pod', unlabelled, 'topology.istio.io/locality-']);
    await waitFor(() => sandbox.gateway.loadAssignment(all.name)?.localities.some((l) => l.locality === '') === true, 'the unlabelled pod in no locality');
    expect(pods()).toContain(unlabelled);
    const distribute = { loadBalancer: { localityLbSetting: { distribute: [{ from: '*', to: { 'tcpshift/echo/v1': 50, 'tcpshift/echo/v2': 50 } }] } } };
    await k(['patch', 'destinationrule', 'echo', '--type=merge', '-p', JSON.stringify({ spec: { trafficPolicy: distribute } })]);
    await waitFor(() => pods().length === 3, 'the unlabelled pod dropped');
    expect(pods()).not.toContain(unlabelled);
    expect(sandbox.gateway.cluster(all.name)?.localityWeighted).toBe(true);
    await k(['patch', 'destinationrule', 'echo', '--type=json', '-p', JSON.stringify([{ op: 'remove', path: '/spec/trafficPolicy' }])]);
    await k(['label', 'pod', unlabelled, 'topology.istio.io/locality=tcpshift.echo.v2']);
    await waitFor(() => pods().length === 4 && sandbox.gateway.cluster(all.name)?.localityWeighted === false, 'the pod back, locality weighting off');
  });
});
