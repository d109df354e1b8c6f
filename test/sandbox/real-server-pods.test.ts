// The sandbox's kubelet running real servers for their official images: a Redis and a Mosquitto
// Deployment as published (image, containerPort) become Ready pods that answer their protocol
// on the loopback port of their container port; a SIGKILLed redis-server is restarted in place;
// deleting the pod stops the server. Skipped (with the package to install) when a program is
// missing, except in CI (TCPSHIFT_REQUIRE_SERVERS=1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../src/kube/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { mqttConnect, redisCommand } from '../support/real-server-clients.js';
import { programOrSkip } from '../support/require-program.js';

const NS = 'real-servers';
const redis = programOrSkip('redis-server', 'redis-server');
const mosquitto = programOrSkip('mosquitto', 'mosquitto');

interface ContainerStatusJson {
  ready: boolean;
  restartCount: number;
  lastState: { terminated?: { exitCode: number; reason: string } };
}

function deployment(name: string, image: string, containerPort: number, args?: string[]): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image, ...(args ? { args } : {}), ports: [{ containerPort }] }] } },
    },
  };
}

describe.skipIf(!redis || !mosquitto)('sandbox pods running real servers', () => {
  let sandbox: Sandbox;
  const podOf = async (app: string): Promise<Pod | undefined> => (await sandbox.kube.pods.list({ namespace: NS, labelSelector: `app=${app}` })).items[0];
  const container = (pod: Pod | undefined): ContainerStatusJson | undefined => (pod?.status?.containerStatuses as ContainerStatusJson[] | undefined)?.[0];
  const loopbackPort = (pod: Pod, containerPort: number): number => (JSON.parse(pod.metadata.annotations?.['sandbox.tcpshift.io/ports'] ?? '{}') as Record<string, number>)[String(containerPort)] ?? 0;
  const eventually = async <T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const readyPod = (app: string, predicate: (pod: Pod) => boolean = () => true): Promise<Pod> =>
    eventually(async () => {
      const pod = await podOf(app);
      return pod && container(pod)?.ready && predicate(pod) ? pod : undefined;
    }, `pod of ${app} Ready`);

  beforeAll(async () => {
    sandbox = await startSandbox({ replicas: 0 });
    await sandbox.kube.resource({ group: '', version: 'v1', plural: 'namespaces', kind: 'Namespace', namespaced: false, status: false }).create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const deployments = sandbox.kube.resource({ group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, status: true });
    await deployments.create(deployment('cache', 'docker.io/library/redis:7', 6379, ['redis-server', '--maxclients', '200']));
    await deployments.create(deployment('broker', 'eclipse-mosquitto:2', 1883));
  }, 60_000);
  afterAll(async () => sandbox?.stop());

  it('redis:7 runs as redis-server on the loopback port of containerPort 6379, Ready, and keeps the container arguments', async () => {
    const pod = await readyPod('cache');
    const port = loopbackPort(pod, 6379);
    expect(port).toBeGreaterThan(0);
    expect(pod.status?.phase).toBe('Running');
    expect(await redisCommand(port, 'PING')).toBe('+PONG\r\n');
    expect(await redisCommand(port, 'CONFIG', 'GET', 'maxclients')).toContain('200');
    expect(await redisCommand(port, 'CONFIG', 'GET', 'appendonly')).toContain('no');
  });

  it('eclipse-mosquitto runs as mosquitto and accepts an anonymous MQTT CONNECT', async () => {
    const pod = await readyPod('broker');
    expect(await mqttConnect(loopbackPort(pod, 1883))).toBe(0);
  });

  it('a SIGKILLed redis-server is restarted in place: restartCount 1, lastState terminated, a new pid that answers', async () => {
    const before = await readyPod('cache');
    const pid = Number(before.metadata.annotations?.['sandbox.tcpshift.io/pid']);
    process.kill(pid, 'SIGKILL');
    const after = await readyPod('cache', (p) => container(p)?.restartCount === 1 && Number(p.metadata.annotations?.['sandbox.tcpshift.io/pid']) !== pid);
    expect(after.metadata.name).toBe(before.metadata.name);
    expect(container(after)?.lastState.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(await redisCommand(loopbackPort(after, 6379), 'PING')).toBe('+PONG\r\n');
  });

  it('deleting the pod stops its server: the port refuses, a new pod takes its place', async () => {
    const pod = await readyPod('cache');
    const port = loopbackPort(pod, 6379);
    await sandbox.kube.pods.delete(pod.metadata.name!, NS);
    const replacement = await readyPod('cache', (p) => p.metadata.name !== pod.metadata.name);
    await eventually(() => Promise.resolve(sandbox.pods().some((p) => p.name === pod.metadata.name) ? undefined : true), 'the old pod gone');
    await expect(redisCommand(port, 'PING')).rejects.toThrow(/ECONNREFUSED/);
    expect(await redisCommand(loopbackPort(replacement, 6379), 'PING')).toBe('+PONG\r\n');
  });
});
