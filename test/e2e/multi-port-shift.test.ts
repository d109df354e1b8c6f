// target.matchPorts over the real sandbox (API emulator, mesh gateway, echo pod processes), the
// CLI run in this process: two tcp routes of one VirtualService (gateway ports 31400 and 31402)
// shifted in lockstep. Every step is ONE VirtualService write carrying both routes' weights; a
// fault on one port rolls both back in one write; a user's route on another port is never
// touched; report.json has a per-port breakdown valid against schemas/report.schema.json.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualService } from '../../src/kube/index.js';
import type { ShiftReportDocument } from '../../src/report/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { startFaultProxy, type FaultProxy } from '../../src/sandbox/faults/index.js';
import { repoRoot, runTcpshift } from '../support/cli.js';
import { waitFor } from '../support/probe-wait.js';
import { followVersions } from '../support/route-history.js';
import { shiftDocument } from '../support/shift-fixtures.js';

const SECOND_PORT = 31402;
const USER_PORT = 31403;
/** A route of the VirtualService on a port no Gateway server listens on. */
const UNSERVED_PORT = 31404;
const DRAIN_MS = 300;
const VS_REF = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };

let sandbox: Sandbox;
let proxy: FaultProxy;
let original: VirtualService;

const vs = (): VirtualService => sandbox.api.objects.get(VS_REF) as unknown as VirtualService;
const routeOn = (object: VirtualService, port: number) => object.spec.tcp?.find((r) => r.match?.some((m) => m.port === port));
const validate = new Ajv({ allErrors: true }).compile(JSON.parse(await readFile(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object);

beforeAll(async () => {
  sandbox = await startSandbox({ drainMs: DRAIN_MS, replicas: 1 });
  const objects = sandbox.api.objects;
  // A second TCP server on the Gateway, a second route whose only destination is v1 (as Istio's
  // samples write it: tcpshift must add the canary and remove it again), and a user's route.
  const gateway = objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', name: 'echo-gateway', namespace: 'echo' });
  const servers = (gateway.spec as { servers: unknown[] }).servers;
  const server = (port: number) => ({ port: { number: port, name: `tcp-${port}`, protocol: 'TCP' }, hosts: ['*'] });
  objects.update({ ...gateway, spec: { ...(gateway.spec as object), servers: [...servers, server(SECOND_PORT), server(USER_PORT)] } });
  const current = vs();
  const destination = (subset: string) => ({ host: 'echo.echo.svc.cluster.local', subset, port: { number: 9000 } });
  const second = { match: [{ port: SECOND_PORT }], route: [{ destination: destination('v1') }] };
  const user = { match: [{ port: USER_PORT, gateways: ['echo-gateway'] }], route: [{ destination: destination('v1'), weight: 80 }, { destination: destination('v2'), weight: 20 }] };
  const unserved = { match: [{ port: UNSERVED_PORT }], route: [{ destination: destination('v1') }] };
  objects.update({ ...current, spec: { ...current.spec, tcp: [...(current.spec.tcp ?? []), second, user, unserved] } });
  await waitFor(() => sandbox.gateway.listener(SECOND_PORT)?.tcpProxy !== undefined, `the gateway listener on ${SECOND_PORT}`, 20_000);
  const listener = sandbox.gateway.listener(SECOND_PORT)!;
  proxy = await startFaultProxy({ target: { host: listener.host, port: listener.port } });
  original = vs();
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await sandbox?.stop();
});

async function specFile(name: string, changes: Record<string, unknown> = {}): Promise<string> {
  const first = sandbox.info.gateway;
  const doc = shiftDocument({
    'metadata.name': name,
    'spec.target.matchPort': undefined,
    'spec.target.matchPorts': [31400, SECOND_PORT],
    'spec.probe.address': `${first.host}:${first.port}`,
    // port 31402 through the fault proxy, so that a fault can hit that port alone
    'spec.probe.addresses': { [SECOND_PORT]: `${proxy.host}:${proxy.port}` },
    'spec.schedule.steps': [50, 100],
    'spec.schedule.bake': '1500ms',
    'spec.probe.longLived.connections': 3,
    // lenient under a busy machine: a starved heartbeat or connect is not what this file tests
    'spec.probe.longLived.heartbeat': '1s',
    'spec.probe.longLived.timeout': '4s',
    'spec.analysis.maxNewConnectionFailureRate': 0.1,
    'spec.probe.newConnections.perStep': 300,
    'spec.analysis.splitTolerance': 0.25,
    'spec.analysis.splitConfidence': 0.9999,
    'spec.analysis.drainDuration': `${DRAIN_MS}ms`,
    ...changes,
  });
  const file = path.join(sandbox.files.dir, `${name}.yaml`);
  await writeFile(file, stringify(doc));
  return file;
}

const flags = (name: string): string[] => ['--kubeconfig', sandbox.info.kubeconfig, '--report-dir', path.join(sandbox.files.dir, name)];
const vsPatches = (): number => sandbox.api.requestLog().filter((r) => r.verb === 'patch' && r.resource === 'virtualservices' && r.name === 'echo').length;
/** Which of the two owned routes (and the user's) changed between two versions. */
const changed = (a: VirtualService, b: VirtualService): number[] =>
  [31400, SECOND_PORT, USER_PORT].filter((port) => JSON.stringify(routeOn(a, port)) !== JSON.stringify(routeOn(b, port)));

async function resetRoute(): Promise<void> {
  proxy.setMode('pass');
  sandbox.api.objects.update({ ...original, metadata: { ...original.metadata, resourceVersion: vs().metadata.resourceVersion } });
  await new Promise((r) => setTimeout(r, DRAIN_MS + 300));
}

describe('target.matchPorts: two routes in lockstep', { timeout: 60_000 }, () => {
  it('refuses a port without a route, or without a Gateway server, before writing anything (exit 2 naming the port)', async () => {
    const before = vsPatches();
    const run = await runTcpshift(['shift', '-f', await specFile('no-route', { 'spec.target.matchPorts': [31400, 31409], 'spec.probe.addresses': undefined }), ...flags('no-route')]);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/no tcp route matching port 31409/);
    const unserved = await runTcpshift(['shift', '-f', await specFile('unserved', { 'spec.target.matchPorts': [31400, UNSERVED_PORT], 'spec.probe.addresses': undefined }), ...flags('unserved')]);
    expect(unserved.code, unserved.stderr).toBe(2);
    expect(unserved.stderr).toMatch(new RegExp(`Gateway echo/echo-gateway spec.servers: no server on port ${UNSERVED_PORT}`));
    expect(vsPatches()).toBe(before);
  });

  it('promotes with one VirtualService write per step for both ports, the user route untouched, per-port counters in report.json', async () => {
    await resetRoute();
    const history = await followVersions(sandbox.kube, 'echo', 'echo');
    const before = vsPatches();
    const run = await runTcpshift(['shift', '-f', await specFile('lockstep'), ...flags('lockstep')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const versions = await history.versions();
    history.stop();
    expect(vsPatches() - before).toBe(versions.length - 1); // every PATCH made one version, none failed
    const routing = versions.slice(1).map((v, i) => changed(versions[i]!, v)).filter((ports) => ports.length > 0);
    expect(routing).toEqual([[31400, SECOND_PORT], [31400, SECOND_PORT]]); // step 50, step 100: one write each, both routes
    const after = vs();
    for (const port of [31400, SECOND_PORT]) expect(routeOn(after, port)?.route?.map((d) => [d.destination.subset, d.weight])).toEqual([['v1', 0], ['v2', 100]]);
    expect(JSON.stringify(routeOn(after, USER_PORT))).toBe(JSON.stringify(routeOn(original, USER_PORT)));

    const report = JSON.parse(await readFile(path.join(sandbox.files.dir, 'lockstep', 'report.json'), 'utf8')) as ShiftReportDocument;
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    for (const step of report.steps) {
      expect(step.ports?.map((p) => p.matchPort)).toEqual([31400, SECOND_PORT]);
      for (const port of step.ports ?? []) expect(port.newConnections.succeeded).toBeGreaterThan(0);
      expect(step.newConnections.attempted).toBe((step.ports ?? []).reduce((n, p) => n + p.newConnections.attempted, 0));
    }
  });

  it('a fault on one port rolls both routes back in one write, naming the port; the VirtualService is as it was', async () => {
    await resetRoute();
    const history = await followVersions(sandbox.kube, 'echo', 'echo');
    const running = runTcpshift(['shift', '-f', await specFile('fault', { 'spec.schedule.bake': '20s' }), ...flags('fault')]);
    await waitFor(() => routeOn(vs(), SECOND_PORT)?.route?.some((d) => d.destination.subset === 'v2' && d.weight === 50) === true, 'step 50 on both routes', 20_000);
    proxy.setMode('reset');
    const run = await running;
    expect(run.code, run.stdout + run.stderr).toBe(3);
    const versions = await history.versions();
    history.stop();
    const routing = versions.slice(1).map((v, i) => changed(versions[i]!, v)).filter((ports) => ports.length > 0);
    expect(routing).toEqual([[31400, SECOND_PORT], [31400, SECOND_PORT]]); // step 50, then the rollback: one write for both
    expect(vs().spec).toEqual(original.spec); // the canary tcpshift added is gone from both routes
    const report = JSON.parse(await readFile(path.join(sandbox.files.dir, 'fault', 'report.json'), 'utf8')) as ShiftReportDocument;
    expect(report.rollback?.reason).toMatch(new RegExp(`port ${SECOND_PORT}`));
  });
});
