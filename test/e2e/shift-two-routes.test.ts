// Two tcp routes of ONE VirtualService (match ports 31400 and 31401) shifted at the same time by
// two real `tcpshift shift` processes over the sandbox: each has its own state, lock and lookup
// (annotations keyed by the match port); each write is one route's; both promote; status and
// rollback find each by name afterwards; a rollback gives a route back its original shape, the
// destination tcpshift had to add removed again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VirtualService } from '../../src/kube/index.js';
import { parseScopedKey, routeView } from '../../src/router/index.js';
import { readShiftState } from '../../src/shift/index.js';
import { waitFor } from '../support/probe-wait.js';
import { followVersions, type VersionHistory } from '../support/route-history.js';
import { startCli, startE2e, type E2eEnv } from '../support/shift-e2e.js';

const SECOND_PORT = 31401;
const ROUTE_A = { key: '31400', ownsLegacy: () => false };
const ROUTE_B = { key: String(SECOND_PORT), ownsLegacy: () => false };

let env: E2eEnv;
let history: VersionHistory;
let original: VirtualService;

const vs = (): VirtualService => env.sandbox.api.objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' }) as unknown as VirtualService;
const tcpRoute = (object: VirtualService, port: number) => object.spec.tcp?.find((r) => r.match?.some((m) => m.port === port));

beforeAll(async () => {
  env = await startE2e();
  const objects = env.sandbox.api.objects;
  // A second TCP server on the Gateway and a second tcp route whose only destination is v1,
  // without a weight (as Istio's samples write a single route): the canary must be added.
  const gateway = objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', name: 'echo-gateway', namespace: 'echo' });
  const gatewaySpec = gateway.spec as { servers: unknown[] };
  objects.update({ ...gateway, spec: { ...gatewaySpec, servers: [...gatewaySpec.servers, { port: { number: SECOND_PORT, name: 'tcp-b', protocol: 'TCP' }, hosts: ['*'] }] } });
  const current = vs();
  const second = { match: [{ port: SECOND_PORT }], route: [{ destination: { host: 'echo.echo.svc.cluster.local', subset: 'v1', port: { number: 9000 } } }] };
  objects.update({ ...current, spec: { ...current.spec, tcp: [...(current.spec.tcp ?? []), second] } });
  await waitFor(() => env.sandbox.gateway.listener(SECOND_PORT)?.tcpProxy !== undefined, 'the gateway listener on 31401', 20_000);
  original = vs();
  history = await followVersions(env.sandbox.kube, 'echo', 'echo');
}, 60_000);
afterAll(async () => {
  history?.stop();
  await env?.sandbox.stop();
});

/** The routes (by match port) whose weights or tcpshift annotations differ between two versions. */
function routesTouched(before: VirtualService, after: VirtualService): string[] {
  const touched = new Set<string>();
  for (const port of [31400, SECOND_PORT]) {
    if (JSON.stringify(tcpRoute(before, port)) !== JSON.stringify(tcpRoute(after, port))) touched.add(`weights ${port}`);
  }
  const a = before.metadata.annotations ?? {};
  const b = after.metadata.annotations ?? {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (a[key] !== b[key]) touched.add(`annotations ${parseScopedKey(key)?.key ?? key}`);
  }
  return [...touched].sort();
}

describe('two routes of one VirtualService', () => {
  it('are shifted by two processes at once: both promote, every write is one route\'s, neither touches the other', async () => {
    const gatewayB = env.sandbox.gateway.listener(SECOND_PORT)!;
    const fileA = await env.spec('route-a', { 'metadata.name': 'route-a' });
    const fileB = await env.spec('route-b', { 'metadata.name': 'route-b', 'spec.target.matchPort': SECOND_PORT, 'spec.probe.address': `${gatewayB.host}:${gatewayB.port}` });
    const [a, b] = await Promise.all([
      startCli(['shift', '-f', fileA, ...env.flags('route-a'), '--lock-ttl', '60s']).done,
      startCli(['shift', '-f', fileB, ...env.flags('route-b'), '--lock-ttl', '60s']).done,
    ]);
    expect(a.code, a.stdout + a.stderr).toBe(0);
    expect(b.code, b.stdout + b.stderr).toBe(0);

    const after = vs();
    // promotion keeps the stable destination at weight 0 (the canary's added one stays at 100)
    expect(tcpRoute(after, 31400)?.route?.map((d) => [d.destination.subset, d.weight])).toEqual([['v1', 0], ['v2', 100]]);
    expect(tcpRoute(after, SECOND_PORT)?.route?.map((d) => [d.destination.subset, d.weight])).toEqual([['v1', 0], ['v2', 100]]);
    const annotations = after.metadata.annotations ?? {};
    expect(readShiftState(routeView(annotations, ROUTE_A))).toMatchObject({ phase: 'promoted' });
    expect(readShiftState(routeView(annotations, ROUTE_B))).toMatchObject({ phase: 'promoted' });

    const versions = await history.versions();
    const writes = versions.slice(1).map((v, i) => routesTouched(versions[i]!, v));
    for (const touched of writes) {
      // one route per write: its weights and/or its annotations, never the other's
      const ports = new Set(touched.map((t) => t.split(' ')[1]));
      expect(ports.size, JSON.stringify(writes)).toBe(1);
    }
    // the two shifts ran at the same time: their writes interleave
    const firstOf = (port: string) => writes.findIndex((t) => t.some((x) => x.endsWith(` ${port}`)));
    const lastOf = (port: string) => writes.findLastIndex((t) => t.some((x) => x.endsWith(` ${port}`)));
    expect(Math.max(firstOf('31400'), firstOf(String(SECOND_PORT))), JSON.stringify(writes)).toBeLessThan(Math.min(lastOf('31400'), lastOf(String(SECOND_PORT))));
    // per route: the lock, each step (weights and state in one write), the final state
    for (const port of ['31400', String(SECOND_PORT)]) {
      const own = writes.filter((t) => t.some((x) => x.endsWith(` ${port}`)));
      expect(own.filter((t) => t.includes(`weights ${port}`)), JSON.stringify(writes)).toHaveLength(2);
      expect(own.filter((t) => t.includes(`weights ${port}`)).every((t) => t.includes(`annotations ${port}`))).toBe(true);
      expect(own).toHaveLength(4);
    }
  });

  it('status finds each shift by name after the other route was shifted; rollback restores each route as it was', async () => {
    const cluster = ['-n', 'echo', '--kubeconfig', env.sandbox.info.kubeconfig];
    for (const name of ['route-a', 'route-b']) {
      const status = await startCli(['status', name, ...cluster, '-o', 'json']).done;
      expect(status.code, status.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ name, phase: 'Promoted', weights: { stable: 0, canary: 100 } });
    }
    const resume = await startCli(['resume', 'route-a', ...cluster]).done;
    expect(resume.code).toBe(2);
    expect(resume.stderr).toMatch(/shift route-a was promoted.*nothing to resume; to move the traffic back use tcpshift rollback route-a/);

    const rollbackB = await startCli(['rollback', 'route-b', ...cluster]).done;
    expect(rollbackB.code, rollbackB.stderr).toBe(0);
    // route B is back to its single v1 destination without a weight; route A still promoted
    expect(tcpRoute(vs(), SECOND_PORT)).toEqual(tcpRoute(original, SECOND_PORT));
    expect(tcpRoute(vs(), 31400)?.route?.map((d) => d.weight)).toEqual([0, 100]);
    const rollbackA = await startCli(['rollback', 'route-a', ...cluster]).done;
    expect(rollbackA.code, rollbackA.stderr).toBe(0);
    // the whole spec as before both shifts, byte for byte
    expect(JSON.stringify(vs().spec)).toBe(JSON.stringify(original.spec));
    const annotations = vs().metadata.annotations ?? {};
    expect(readShiftState(routeView(annotations, ROUTE_A))).toMatchObject({ phase: 'rolled-back' });
    expect(readShiftState(routeView(annotations, ROUTE_B))).toMatchObject({ phase: 'rolled-back' });
    await waitFor(() => env.sandbox.gateway.listener(SECOND_PORT)?.tcpProxy?.clusters?.length === 1, 'the gateway on 31401 back on one cluster', 10_000);
  });
});
