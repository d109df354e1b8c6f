// Strategy locality end to end over the sandbox, in this process (issue 14): the API emulator,
// the gateway emulator's EDS (partner branch h7-xds) and real echo pod processes; the CLI runs
// in-process (runTcpshift). A 4-step locality shift under `preserve` promotes with no long-lived
// connection ended; the same spec with strategy route rolls back at step 1 (the drain); a rollback
// under locality writes {stable: 100} and leaves the canary's established connections open.
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { KubeObject } from '../../src/kube/index.js';
import type { ShiftReport } from '../../src/report/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { withChanges, type Doc } from '../spec/examples.js';
import { runTcpshift } from '../support/cli.js';
import { distributeOf } from '../support/locality-chain.js';
import { waitFor } from '../support/probe-wait.js';

const DRAIN_MS = 1500;
const DR = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', name: 'echo-locality', namespace: 'echo' };
const LOCALITY_VS = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo-locality', namespace: 'echo' };
const ROUTE_VS = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };

let sandbox: Sandbox;
let localityDoc: Doc;
let routeDoc: Doc;
let originalDr: KubeObject;
let originalRouteVs: KubeObject;

/** Steps, bakes and sampling that keep each shift short and its split test practically error-free. */
const common = {
  'spec.schedule.steps': [10, 25, 50, 100],
  'spec.schedule.bake': '3s',
  'spec.probe.longLived.connections': 20,
  'spec.probe.newConnections.perStep': 600,
  'spec.analysis.splitTolerance': 0.2,
  'spec.analysis.splitConfidence': 0.9999,
  'spec.analysis.existingConnections': 'preserve',
  'spec.analysis.drainDuration': `${DRAIN_MS}ms`,
};

async function specFile(name: string, doc: Doc, changes: Record<string, unknown> = {}): Promise<string> {
  const file = path.join(sandbox.files.dir, `${name}.yaml`);
  await import('node:fs/promises').then((fs) => fs.writeFile(file, stringify(withChanges(doc, { ...common, ...changes }))));
  return file;
}

const flags = (report: string): string[] => ['--kubeconfig', sandbox.info.kubeconfig, '--report-dir', path.join(sandbox.files.dir, report), '-o', 'json'];
const readReport = async (report: string): Promise<ShiftReport> => JSON.parse(await readFile(path.join(sandbox.files.dir, report, 'report.json'), 'utf8')) as ShiftReport;
const stored = (ref: typeof DR): KubeObject => sandbox.api.objects.get(ref);
const distributeTo = (): unknown => distributeOf(stored(DR));

function putBack(ref: typeof DR, original: KubeObject): void {
  sandbox.api.objects.update({ ...original, metadata: { ...original.metadata, resourceVersion: stored(ref).metadata.resourceVersion } });
}

beforeAll(async () => {
  sandbox = await startSandbox({ drainMs: DRAIN_MS, replicas: 2 });
  localityDoc = parse(await readFile(sandbox.files.shiftLocalityYaml, 'utf8')) as Doc;
  routeDoc = parse(await readFile(sandbox.files.shiftYaml, 'utf8')) as Doc;
  originalDr = stored(DR);
  originalRouteVs = stored(ROUTE_VS);
}, 60_000);
afterAll(async () => sandbox?.stop());
beforeEach(async () => {
  putBack(DR, originalDr);
  putBack(ROUTE_VS, originalRouteVs);
  // Let the gateway take the DestinationRule back (the EDS merge window); the route test's drains
  // only touch port 31400, whose own test holds no connection across a reset.
  await new Promise((resolve) => setTimeout(resolve, 1200));
});

/** A connection through the locality listener that remembers the version its banner names. */
async function openEcho(): Promise<{ version: string; echo(line: string): Promise<string>; close(): void }> {
  const locality = sandbox.info.gateways.find((g) => g.gatewayPort === 31401)!;
  const socket = net.connect(locality.port, locality.host);
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  await waitFor(() => received.includes('\n\n'), 'the banner');
  const version = /Version: (\S+)/.exec(received)?.[1] ?? '?';
  return {
    version,
    async echo(line) {
      const before = received.length;
      socket.write(`${line}\n`);
      await waitFor(() => received.slice(before).includes('\n'), `the echo of ${line}`, 5000);
      return received.slice(before).trim();
    },
    close: () => socket.destroy(),
  };
}

describe('strategy locality over the sandbox', () => {
  it('a 4-step locality shift under preserve promotes with 20 long-lived connections open throughout', async () => {
    const localityVsVersion = stored(LOCALITY_VS).metadata.resourceVersion;
    const run = await runTcpshift(['shift', '-f', await specFile('locality', localityDoc), ...flags('locality')]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/0 reconnect waves/);
    const report = await readReport('locality');
    expect(report.outcome).toBe('promoted');
    expect(report.target).toBe('DestinationRule echo/echo-locality');
    expect(report.steps.map((s) => [s.targetWeight, s.verdict])).toEqual([[10, 'ok'], [25, 'ok'], [50, 'ok'], [100, 'ok']]);
    for (const step of report.steps) {
      expect(Object.values(step.longLived.ends).reduce((a, b) => a + b, 0), `step ${step.targetWeight}: long-lived ends`).toBe(0);
      expect(step.longLived.open).toBe(20);
      expect(step.newConnections.split?.decision, `step ${step.targetWeight}: split`).not.toBe('inconsistent');
      expect(step.newConnections.failed).toBe(0);
    }
    expect(distributeTo()).toEqual({ 'tcpshift/echo/v2': 100 });
    expect(stored(LOCALITY_VS).metadata.resourceVersion, 'the VirtualService is never written').toBe(localityVsVersion);
    // The state lives on the DestinationRule: a re-run of the same spec sees it promoted and writes nothing.
    const drVersion = stored(DR).metadata.resourceVersion;
    const again = await runTcpshift(['shift', '-f', await specFile('locality', localityDoc), ...flags('locality-again')]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ outcome: 'already-promoted', target: 'DestinationRule echo/echo-locality' });
    expect(stored(DR).metadata.resourceVersion).toBe(drVersion);
  }, 90_000);

  it('the same spec with strategy route rolls back at step 1: the drain cuts the long-lived connections', async () => {
    const run = await runTcpshift(['shift', '-f', await specFile('route', routeDoc), ...flags('route')]);
    expect(run.code, run.stderr).toBe(3);
    const report = await readReport('route');
    expect(report.outcome).toBe('rolled-back');
    expect(report.steps.map((s) => [s.targetWeight, s.verdict])).toEqual([[10, 'breach']]);
    expect(report.rollback?.reason).toMatch(/drain|closed|reset/);
  }, 60_000);

  it('a rollback under locality writes {stable: 100} and leaves established canary connections open', async () => {
    // The sandbox's DestinationRule starts with distribute {stable: 100}: the rollback writes exactly that back.
    const withDistribute = stored(DR) as KubeObject & { spec: { trafficPolicy: unknown } };
    const running = runTcpshift(['shift', '-f', await specFile('rollback', localityDoc, { 'spec.schedule.steps': [50, 100], 'spec.schedule.bake': '20s' }), ...flags('rollback')]);
    await waitFor(() => JSON.stringify(distributeTo()) === JSON.stringify({ 'tcpshift/echo/v1': 50, 'tcpshift/echo/v2': 50 }), 'step 1 at 50 %', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the EDS merge window
    const connections: Array<Awaited<ReturnType<typeof openEcho>>> = [];
    for (let i = 0; i < 40 && !connections.some((c) => c.version === 'v2'); i++) connections.push(await openEcho());
    const canary = connections.filter((c) => c.version === 'v2');
    expect(canary.length, 'a connection reached the canary at 50 %').toBeGreaterThan(0);
    const rollback = await runTcpshift(['rollback', 'echo-locality', '-n', 'echo', '--kubeconfig', sandbox.info.kubeconfig]);
    expect(rollback.code, rollback.stderr).toBe(0);
    const result = await running;
    expect([3, 4]).toContain(result.code);
    expect(distributeTo()).toEqual({ 'tcpshift/echo/v1': 100 });
    expect(JSON.stringify((stored(DR).spec as { trafficPolicy: unknown }).trafficPolicy)).toBe(JSON.stringify(withDistribute.spec.trafficPolicy));
    await new Promise((resolve) => setTimeout(resolve, 1500)); // past the EDS merge window
    for (const c of canary) expect(await c.echo('PING still-there 1')).toBe('PING still-there 1');
    for (const c of connections) c.close();
  }, 90_000);
});
