// The pre-flight's table of misconfigurations (test/support/preflight-cases.ts) against the real
// sandbox, one per provider shared by every row: each row through the CLI (exit 2, the object and
// field named, the route's resourceVersion unchanged) — the first row of each provider as a real
// process, the others through the same CLI entry (runCli) in this process, which saves a Node
// start per row and keeps the suite inside its time budget — and through the
// controller's Reconciler in this process against the same API (Pending with Degraded and the
// check's reason, a Warning Event, no route write, no finalizer: deleting it completes at once).
// The probe checks are real: the sandbox's gateway and echo pods answer them.
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { ControllerMetrics, ProbeBudget, ProbeGuard, Reconciler } from '../../src/controller/index.js';
import { ProbeAllowlist } from '../../src/probe/index.js';
import { EventRecorder, type KubeObject, type TCPShift } from '../../src/kube/index.js';
import type { RequestRecord } from '../../src/sandbox/apiserver/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { checkProbeIdentity } from '../../src/shift/preflight/index.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { withChanges, type Doc } from '../spec/examples.js';
import { execBin, runTcpshift } from '../support/cli.js';
import { ClusterEdits, refs } from '../support/cluster-edits.js';
import type { StoredShift } from '../support/controller-harness.js';
import { controllerPermissions, permits } from '../support/deploy-rbac.js';
import { PREFLIGHT_CASES, type CaseContext, type PreflightCase, type Provider } from '../support/preflight-cases.js';
import { waitFor } from '../support/probe-wait.js';
import { ScriptedProber } from '../support/shift-prober.js';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Env {
  /** What the controller asked the API during its reconciles. */
  controllerRequests: RequestRecord[];
  sandbox: Sandbox;
  ctx: CaseContext;
  base: Doc;
  reconciler: Reconciler;
  events: EventRecorder;
}

const shiftRef = (name: string) => ({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name, namespace: 'echo' });

function find(sandbox: Sandbox, ref: ReturnType<typeof shiftRef>): KubeObject | undefined {
  try {
    return sandbox.api.objects.get(ref);
  } catch {
    return undefined;
  }
}

async function startEnv(provider: Provider): Promise<Env> {
  const tcpEcho = provider === 'gateway-api' ? { prefixes: { v1: 'one', v2: 'two' }, banner: 'none' as const } : {};
  const sandbox = await startSandbox({ provider, replicas: 1, drainMs: 300, podDrainGraceMs: 200, ...tcpEcho });
  const { readFile } = await import('node:fs/promises');
  const base = parse(await readFile(sandbox.files.shiftYaml, 'utf8')) as Doc;
  const events = new EventRecorder({ events: sandbox.kube.events, clock: systemClock, component: 'tcpshift-controller', host: 'test' });
  const reconciler = new Reconciler({
    kube: sandbox.kube,
    cache: { get: (name, namespace) => find(sandbox, { ...shiftRef(name), namespace: namespace ?? 'echo' }) as TCPShift | undefined },
    createProber: () => new ScriptedProber(),
    wake: () => undefined,
    events,
    metrics: new ControllerMetrics(() => [], () => 0),
    clock: systemClock,
    identity: 'preflight-test',
    statusRefreshMs: 5000,
    probeGuard: new ProbeGuard(ProbeAllowlist.parse('127.0.0.0/8,::1/128'), systemClock),
    probeBudget: new ProbeBudget(10_000, () => undefined),
    probeCost: () => 1,
    checkProbes: (spec, options) => checkProbeIdentity(spec, systemClock, options),
  });
  return { controllerRequests: [], sandbox, ctx: { sandbox, edits: new ClusterEdits(sandbox.api.objects), closedPort: await closedPort() }, base, reconciler, events };
}

/** The route's resourceVersion (or 'absent'). */
function routeVersion(env: Env): string {
  const ref = env.sandbox.provider === 'istio' ? refs.virtualService : refs.tcpRoute;
  return find(env.sandbox, ref)?.metadata.resourceVersion ?? 'absent';
}

/** Put the cluster back and wait until the gateway routes every new connection to v1 again. */
async function restore(env: Env): Promise<void> {
  env.ctx.edits.restore();
  await waitFor(() => {
    const clusters = env.sandbox.gateway.listener(31400)?.tcpProxy?.clusters ?? [];
    return clusters.length === 1 && env.sandbox.gateway.endpoints(clusters[0]!.cluster).length > 0;
  }, 'the gateway routing to v1 again');
}

async function withCase<T>(env: Env, c: PreflightCase, run: (document: Doc, version: string) => Promise<T>): Promise<T> {
  c.cluster?.(env.ctx);
  try {
    return await run(withChanges(env.base, c.spec?.(env.ctx) ?? {}), routeVersion(env));
  } finally {
    await restore(env);
  }
}

async function viaCli(env: Env, c: PreflightCase, index: number, asProcess: boolean): Promise<void> {
  await withCase(env, c, async (document, version) => {
    const file = path.join(env.sandbox.files.dir, `preflight-${index}.yaml`);
    await writeFile(file, stringify(document));
    const argv = ['shift', '-f', file, '--kubeconfig', env.sandbox.info.kubeconfig, '--report-dir', path.join(env.sandbox.files.dir, `report-${index}`)];
    const run = asProcess ? await execBin('tcpshift', argv) : await runTcpshift(argv);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(c.message);
    expect(routeVersion(env), 'the route was written').toBe(version);
  });
}

/** The sandbox's own kubelet and Deployment controller write pods and Deployments meanwhile: not the controller's. */
const sandboxOwn = (r: RequestRecord): boolean => r.resource === 'deployments' || (r.resource === 'pods' && r.verb !== 'list');

async function reconcile(env: Env, name: string, logger: MemoryLogger): Promise<void> {
  const before = env.sandbox.api.requestLog().length;
  await env.reconciler.reconcile({ logger }, `echo/${name}`);
  env.controllerRequests.push(...env.sandbox.api.requestLog().slice(before).filter((r) => !sandboxOwn(r)));
}

async function viaController(env: Env, c: PreflightCase, index: number): Promise<void> {
  const name = `pf-${index}`;
  const logger = new MemoryLogger();
  await withCase(env, c, async (document, version) => {
    env.sandbox.api.objects.create(withChanges(document, { 'metadata.name': name }) as unknown as KubeObject);
    await reconcile(env, name, logger);
    const stored = find(env.sandbox, shiftRef(name)) as StoredShift;
    expect(stored.status?.phase).toBe('Pending');
    const degraded = stored.status?.conditions?.find((x) => x.type === 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: c.reason });
    expect(degraded?.message).toMatch(c.message);
    await env.events.flush();
    const events = env.sandbox.api.objects.list('v1', 'Event', 'echo') as unknown as Array<{ reason: string; type: string; involvedObject: { name: string } }>;
    expect(events.filter((e) => e.involvedObject.name === name).map((e) => `${e.type} ${e.reason}`)).toContain(`Warning ${c.reason}`);
    expect(routeVersion(env), 'the route was written').toBe(version);
    expect(stored.metadata.finalizers ?? []).toEqual([]);
    env.sandbox.api.objects.delete(shiftRef(name));
    expect(find(env.sandbox, shiftRef(name)), 'deleting the TCPShift completes at once').toBeUndefined();
    await reconcile(env, name, logger);
  });
}

describe.each(['istio', 'gateway-api'] as const)('pre-flight table, %s', (provider) => {
  let env: Env;
  const cases = PREFLIGHT_CASES.filter((c) => c.provider === provider);

  beforeAll(async () => {
    env = await startEnv(provider);
  }, 60_000);
  afterAll(async () => {
    await env?.reconciler.stopAll();
    await env?.sandbox.stop();
  });

  it.each(cases.map((c, i) => ({ ...c, i })))('CLI: $name', async (c) => viaCli(env, c, c.i, c.i === 0), 30_000);

  it.each(cases.map((c, i) => ({ ...c, i })))('controller: $name', async (c) => viaController(env, c, c.i), 30_000);

  it('the controller asked only what manifests/controller/rbac.yaml allows, and used its pre-flight grants', () => {
    const permissions = controllerPermissions();
    const denied = env.controllerRequests.filter((r) => !permits(permissions, r)).map((r) => `${r.verb} ${r.group}/${r.resource}${r.subresource ? `/${r.subresource}` : ''}`);
    expect(denied).toEqual([]);
    const made = new Set(env.controllerRequests.map((r) => `${r.verb} ${r.group || 'core'} ${r.resource}`));
    const preflightReads =
      provider === 'istio'
        ? ['get networking.istio.io gateways', 'get networking.istio.io destinationrules', 'get core services', 'list core pods']
        : // This sandbox serves no Gateway API Gateway kind (the emulator logs no request for an unserved
          // kind): the parent is the Istio Gateway stand-in (docs/architecture.md, "Deviations").
          ['get gateway.networking.k8s.io tcproutes', 'get networking.istio.io gateways', 'get core services', 'list core pods'];
    for (const read of preflightReads) expect(made, read).toContain(read);
  });
});

it('there are at least 30 cases across both providers', () => {
  expect(PREFLIGHT_CASES.length).toBeGreaterThanOrEqual(30);
  expect(new Set(PREFLIGHT_CASES.map((c) => c.provider))).toEqual(new Set(['istio', 'gateway-api']));
});
