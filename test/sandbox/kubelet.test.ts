// The sandbox's kubelet on published-style Deployments, checked with the real kubectl: pods in
// any namespace, env/envFrom and the downward API reaching the process, and failures a user can
// see (Pod status and Events) within a few seconds: an image the sandbox cannot run, bad args.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Pod } from '../../src/kube/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { kubectl, kubectlBinary } from '../support/kube-kubectl.js';
import { TestClient } from '../support/sandbox-clients.js';

const NS = 'kubelet-test';

interface EventItem {
  type: string;
  reason: string;
  message: string;
  involvedObject: { kind: string; name: string };
}

describe.skipIf(!kubectlBinary)('sandbox kubelet', () => {
  let sandbox: Sandbox;
  const k = async (args: string[], input?: string): Promise<string> => {
    const r = await kubectl({ kubeconfigPath: sandbox.files.kubeconfig, dir: sandbox.files.dir }, args, input !== undefined ? { input } : {});
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const deployment = (name: string, container: Record<string, unknown>) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, version: 'v9' } }, spec: { containers: [{ name: 'main', ...container }] } },
    },
  });
  const podOf = async (app: string): Promise<Pod | undefined> => (JSON.parse(await k(['get', 'pods', '-n', NS, '-l', `app=${app}`, '-o', 'json'])) as { items: Pod[] }).items[0];
  const eventsOf = async (pod: string): Promise<EventItem[]> =>
    (JSON.parse(await k(['get', 'events', '-n', NS, '--field-selector', `involvedObject.name=${pod}`, '-o', 'json'])) as { items: EventItem[] }).items;
  /** Poll (real time) until `check` returns a value; the kubelet acts within a few seconds. */
  const eventually = async <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 8000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  interface ContainerStatusJson {
    ready: boolean;
    restartCount: number;
    state: { waiting?: { reason: string; message?: string }; running?: object };
    lastState: { terminated?: Record<string, unknown> };
  }
  const status = (pod: Pod | undefined) => (pod?.status?.containerStatuses as ContainerStatusJson[] | undefined)?.[0];

  beforeAll(async () => {
    sandbox = await startSandbox({ replicas: 0 });
    await k(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${NS}}\n`);
  }, 60_000);
  afterAll(async () => sandbox?.stop());

  it('an image the sandbox cannot run: the pod waits with ErrImagePull naming what it can run, and a Warning Event', async () => {
    await k(['apply', '-f', '-'], stringify(deployment('nginx', { image: 'docker.io/library/nginx:1.27' })));
    const pod = await eventually(async () => {
      const p = await podOf('nginx');
      return status(p)?.state?.waiting?.reason === 'ErrImagePull' ? p : undefined;
    }, 'ErrImagePull');
    expect(pod.status?.phase).toBe('Pending');
    expect(status(pod)?.state.waiting?.message).toMatch(/docker\.io\/library\/nginx:1\.27.*tcpshift-echo.*tcp-echo-server.*redis.*eclipse-mosquitto/);
    const events = await eventually(async () => {
      const e = await eventsOf(pod.metadata.name!);
      return e.some((x) => x.reason === 'Failed') ? e : undefined;
    }, 'a Failed Event');
    expect(events.find((e) => e.reason === 'Failed')).toMatchObject({ type: 'Warning', involvedObject: { kind: 'Pod' }, message: expect.stringContaining('Failed to pull image "docker.io/library/nginx:1.27"') });
    // deleting it is immediate (no process to drain)
    await k(['delete', 'deployment', 'nginx', '-n', NS, '--wait=false']);
  });

  it('bad args: the container exits, restarts with back-off; restartCount, last exit message, CrashLoopBackOff and a BackOff Event', async () => {
    await k(['apply', '-f', '-'], stringify(deployment('bad-args', { image: 'ghcr.io/tcpshift/tcpshift-echo:0.1.0', args: ['--version', 'v1', '--nope'] })));
    const pod = await eventually(async () => {
      const p = await podOf('bad-args');
      return status(p)?.state?.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
    }, 'CrashLoopBackOff');
    const container = status(pod)!;
    expect(container.restartCount).toBeGreaterThanOrEqual(1);
    expect(container.ready).toBe(false);
    expect(container.lastState.terminated).toMatchObject({ exitCode: 2, reason: 'Error', message: expect.stringContaining("unknown option '--nope'") });
    expect(container.state.waiting?.message).toMatch(/^back-off 10s restarting failed container=main pod=bad-args-/);
    const events = await eventually(async () => {
      const e = await eventsOf(pod.metadata.name!);
      return e.some((x) => x.reason === 'BackOff') ? e : undefined;
    }, 'a BackOff Event');
    expect(events.find((e) => e.reason === 'BackOff')).toMatchObject({ type: 'Warning', message: expect.stringContaining('Back-off restarting failed container main') });
    await k(['delete', 'deployment', 'bad-args', '-n', NS, '--wait=false']);
  });

  it('runs a pod outside namespace echo with env from a ConfigMap, the downward API and $(VAR) in args', async () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'echo-settings', namespace: NS }, data: { GREETING: 'hola' } };
    const env = [
      { name: 'VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['version']" } } },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'WHERE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ];
    const app = deployment('envy', { image: 'tcpshift-echo', args: ['--port', '7000', '--prefix', '$(GREETING)-$(WHERE)'], envFrom: [{ configMapRef: { name: 'echo-settings' } }], env, ports: [{ name: 'tcp', containerPort: 7000 }] });
    await k(['apply', '-f', '-'], `${stringify(configMap)}---\n${stringify(app)}`);
    const pod = await eventually(async () => {
      const p = await podOf('envy');
      return p?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
    }, 'the pod Ready');
    const port = (JSON.parse(pod.metadata.annotations?.['sandbox.tcpshift.io/ports'] ?? '{}') as Record<string, number>)['7000'];
    expect(port).toBeGreaterThan(0);
    const client = await TestClient.connect(port!);
    try {
      client.write('hi\n');
      const text = await client.waitForText((t) => t.includes(`hola-${NS} hi\n`));
      expect(text).toContain(`Version: v9 (${pod.metadata.name})`);
    } finally {
      client.destroy();
    }
  });
});
