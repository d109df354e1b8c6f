// What a person at a terminal does with kubectl against the emulator: discovery, short names,
// tables with printer columns, client- and server-side apply, watch, namespace deletion.
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startTestApiServer, virtualService, type TestApiServer } from '../../support/apiserver-fixtures.js';
import { kubectl, kubectlBinary, spawnKubectl } from '../../support/kube-kubectl.js';

if (!kubectlBinary) console.log('kubectl tests skipped: kubectl is not installed on this machine');

describe.skipIf(!kubectlBinary)('kubectl against the emulator', () => {
  let env: TestApiServer;
  const k = (args: string[], input?: string) => kubectl(env, args, input !== undefined ? { input } : {});

  beforeAll(async () => {
    env = await startTestApiServer();
  });
  afterAll(async () => {
    await env.close();
  });

  it('lists built-in and custom resources with their short names (api-resources)', async () => {
    const r = await k(['api-resources']);
    expect(r.code).toBe(0);
    const rows = r.stdout.split('\n').map((l) => l.trim().split(/\s+/));
    const row = (name: string, group: string) => rows.find((c) => c[0] === name && c.some((x) => x.startsWith(group)));
    expect(row('virtualservices', 'networking.istio.io/v1')).toEqual(['virtualservices', 'vs', 'networking.istio.io/v1', 'true', 'VirtualService']);
    expect(row('tcproutes', 'gateway.networking.k8s.io/v1')).toBeDefined();
    expect(row('tcpshifts', 'tcpshift.io/v1alpha1')).toEqual(['tcpshifts', 'tshift', 'tcpshift.io/v1alpha1', 'true', 'TCPShift']);
    expect(row('leases', 'coordination.k8s.io/v1')).toBeDefined();
    expect(row('namespaces', 'v1')).toEqual(['namespaces', 'ns', 'v1', 'false', 'Namespace']);
  });

  it('prints tables with the CRD printer columns, by plural, short name and kind', async () => {
    env.server.objects.create({ apiVersion: 'example.tcpshift.dev/v1', kind: 'Widget', metadata: { name: 'w1', namespace: 'default' }, spec: { color: 'green', size: 7 } });
    env.server.objects.patch({ apiVersion: 'example.tcpshift.dev/v1', kind: 'Widget', name: 'w1', namespace: 'default' }, 'merge', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'status');
    const widgets = await k(['get', 'widgets']);
    expect(widgets.code).toBe(0);
    const [header, line] = widgets.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    expect(header).toEqual(['NAME', 'COLOR', 'SIZE', 'READY', 'AGE']);
    expect(line?.slice(0, 4)).toEqual(['w1', 'green', '7', 'True']);
    expect(line?.[4]).toMatch(/^\d+s$/);

    env.server.objects.create(virtualService('table') as never);
    for (const name of ['virtualservices', 'vs', 'VirtualService', 'virtualservice.networking.istio.io']) {
      const vs = await k(['get', name]);
      expect(vs.stdout.split('\n')[0]?.trim().split(/\s+/)).toEqual(['NAME', 'GATEWAYS', 'HOSTS', 'AGE']);
      expect(vs.stdout).toContain('["echo-gateway"]');
    }
    env.server.objects.create({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', metadata: { name: 'echo', namespace: 'default' }, spec: { provider: 'istio' } });
    const shifts = await k(['get', 'tshift']);
    expect(shifts.stdout.split('\n')[0]?.trim().split(/\s+/)).toEqual(['NAME', 'PHASE', 'WEIGHT']);
    expect((await k(['get', 'tcpshifts', 'echo', '-o', 'jsonpath={.spec.provider}'])).stdout).toBe('istio');
  });

  it('applies client-side (create, then configure with a merge patch) and server-side', async () => {
    const file = path.join(env.dir, 'vs.yaml');
    await writeFile(file, stringify(virtualService('applied', [100, 0])));
    const first = await k(['apply', '-f', file]);
    expect(first.stdout.trim()).toBe('virtualservice.networking.istio.io/applied created');
    await writeFile(file, stringify(virtualService('applied', [75, 25])));
    const second = await k(['apply', '-f', file]);
    expect(second.stdout.trim()).toBe('virtualservice.networking.istio.io/applied configured');
    const weights = await k(['get', 'vs', 'applied', '-o', 'jsonpath={.spec.tcp[0].route[*].weight} {.metadata.generation}']);
    expect(weights.stdout).toBe('75 25 2');
    const unchanged = await k(['apply', '-f', file]);
    expect(unchanged.stdout.trim()).toBe('virtualservice.networking.istio.io/applied unchanged');

    await writeFile(file, stringify({ ...virtualService('ssa', [60, 40]), metadata: { name: 'ssa', namespace: 'default', labels: { tier: 'a' } } }));
    expect((await k(['apply', '--server-side', '-f', file])).stdout.trim()).toBe('virtualservice.networking.istio.io/ssa serverside-applied');
    await writeFile(file, stringify({ ...virtualService('ssa', [50, 50]), metadata: { name: 'ssa', namespace: 'default' } }));
    expect((await k(['apply', '--server-side', '-f', file])).code).toBe(0);
    const ssa = JSON.parse((await k(['get', 'vs', 'ssa', '-o', 'json'])).stdout) as { metadata: { labels?: object }; spec: { tcp: Array<{ route: Array<{ weight: number }> }> } };
    expect(ssa.spec.tcp[0]?.route.map((r) => r.weight)).toEqual([50, 50]);
    expect(ssa.metadata.labels).toBeUndefined();
  });

  it('applies a Service twice with strategic merge patches (ports merged by port)', async () => {
    const file = path.join(env.dir, 'svc.yaml');
    const svc = (ports: Array<{ name: string; port: number }>) => stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'echo', namespace: 'default' }, spec: { selector: { app: 'echo' }, ports } });
    await writeFile(file, svc([{ name: 'tcp', port: 9000 }, { name: 'health', port: 8080 }]));
    expect((await k(['apply', '-f', file])).code).toBe(0);
    await writeFile(file, svc([{ name: 'tcp', port: 9000 }, { name: 'metrics', port: 9090 }]));
    expect((await k(['apply', '-f', file])).stdout.trim()).toBe('service/echo configured');
    const table = await k(['get', 'svc', 'echo']);
    expect(table.stdout).toMatch(/echo\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+9000\/TCP,9090\/TCP/);
  });

  it('streams changes with get --watch as table rows', async () => {
    env.server.objects.create(virtualService('watched') as never);
    const child = spawnKubectl(env, ['get', 'vs', 'watched', '--watch', '-o', 'custom-columns=NAME:.metadata.name,HOSTS:.spec.hosts[0]']);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const seen = async (text: string): Promise<void> => {
      for (let waited = 0; !out.includes(text); waited += 20) {
        if (waited > 10_000) throw new Error(`kubectl --watch never printed ${text}; got: ${out}`);
        await sleep(20);
      }
    };
    try {
      await seen('watched');
      env.server.objects.patch({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'watched', namespace: 'default' }, 'merge', { spec: { hosts: ['changed.example'] } });
      await seen('changed.example');
      expect(out.trim().split('\n').map((l) => l.trim().split(/\s+/))).toEqual([
        ['NAME', 'HOSTS'],
        ['watched', '*'],
        ['watched', 'changed.example'],
      ]);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'close');
    }
  });

  it('deletes a namespace with everything in it', async () => {
    // kubectl's typed generators (create namespace/deployment) send protobuf, which the emulator refuses with 415.
    const generator = await k(['create', 'namespace', 'doomed']);
    expect(generator.code).not.toBe(0);
    expect(generator.stderr).toContain('(got "application/vnd.kubernetes.protobuf")');
    expect((await k(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } }))).code).toBe(0);
    expect((await k(['create', '-f', '-'], JSON.stringify(virtualService('inside', [100, 0], 'doomed')))).code).toBe(0);
    const del = await k(['delete', 'namespace', 'doomed']);
    expect(del.stdout.trim()).toBe('namespace "doomed" deleted');
    expect((await k(['get', 'vs', '-n', 'doomed'])).stderr).toContain('No resources found');
    expect((await k(['get', 'ns', 'doomed'])).stderr).toContain('namespaces "doomed" not found');
  });

  it('refuses a wrong bearer token with 401', async () => {
    const bad = path.join(env.dir, 'bad-kubeconfig');
    await writeFile(bad, env.server.kubeconfig().replace(env.server.token, 'wrong-token'));
    const r = await kubectl({ kubeconfigPath: bad, dir: env.dir }, ['get', 'pods']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('You must be logged in to the server');
  });
});
