// The pure rules of the sandbox's kubelet: which images run, the crash-loop back-off, the
// container environment (envFrom, env, $(VAR), downward API, missing references).
import { describe, expect, it } from 'vitest';
import type { KubeClient, Pod } from '../../../src/kube/index.js';
import { launchContainer } from '../../../src/sandbox/pods/container-launch.js';
import { REAL_SERVERS } from '../../../src/sandbox/pods/real-servers.js';
import { silentLogger } from '../../../src/util/logger.js';
import { ContainerConfigError, containerEnv, expandReferences, type ConfigSources } from '../../../src/sandbox/pods/container-env.js';
import { imageRepository, runnableImage } from '../../../src/sandbox/pods/container-image.js';
import { KUBELET_BACKOFF, nextBackoffMs } from '../../../src/sandbox/pods/restart-backoff.js';

describe('runnable images', () => {
  it.each([
    ['ghcr.io/tcpshift/tcpshift-echo:0.1.0', 'tcpshift-echo'],
    ['tcpshift-echo', 'tcpshift-echo'],
    ['localhost:5000/me/tcpshift-echo@sha256:abc', 'tcpshift-echo'],
    ['registry.istio.io/release/tcp-echo-server:1.3', 'istio-tcp-echo'],
    ['docker.io/istio/tcp-echo-server:1.2', 'istio-tcp-echo'],
    ['istio/tcp-echo-server', 'istio-tcp-echo'],
    ['docker.io/library/redis:7', 'redis'],
    ['redis', 'redis'],
    ['redis:7.2-alpine', 'redis'],
    ['bitnami/redis:7', undefined],
    ['eclipse-mosquitto:2', 'mosquitto'],
    ['docker.io/library/eclipse-mosquitto', 'mosquitto'],
    ['docker.io/library/nginx:1.27', undefined],
    ['evil.io/tcp-echo-server:1', undefined],
    ['', undefined],
  ])('%s -> %s', (image, expected) => {
    expect(runnableImage(image)).toBe(expected);
  });

  it('reads the repository without registry, tag and digest', () => {
    expect(imageRepository('registry.istio.io/release/tcp-echo-server:1.3')).toBe('release/tcp-echo-server');
    expect(imageRepository('istio/tcp-echo-server:1.3')).toBe('istio/tcp-echo-server');
  });
});

describe('crash-loop back-off', () => {
  it('restarts at once the first time, then 10 s doubling to 5 min, and forgets after a long run', () => {
    const delays: number[] = [];
    let previous: number | undefined;
    for (let i = 0; i < 8; i++) {
      previous = nextBackoffMs(KUBELET_BACKOFF, previous, 100);
      delays.push(previous);
    }
    expect(delays).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(nextBackoffMs(KUBELET_BACKOFF, 300_000, 600_000)).toBe(0);
  });
});

describe('container environment', () => {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p-1', namespace: 'ns', uid: 'u', labels: { version: 'v2' }, annotations: { team: 'a' } }, spec: {} };
  const sources: ConfigSources = {
    configMap: (_ns, name) => Promise.resolve(name === 'cm' ? { A: '1', B: '2' } : undefined),
    secret: (_ns, name) => Promise.resolve(name === 's' ? { TOKEN: 't0k' } : undefined),
  };

  it('envFrom first (with prefix), env over it, $(VAR) from what is defined before, the downward API', async () => {
    const container = {
      envFrom: [{ configMapRef: { name: 'cm' } }, { secretRef: { name: 's' }, prefix: 'S_' }],
      env: [
        { name: 'B', value: 'b' },
        { name: 'BOTH', value: '$(A)-$(B)-$(NOPE)-$$(A)' },
        { name: 'VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['version']" } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'KEY', valueFrom: { configMapKeyRef: { name: 'cm', key: 'A' } } },
        { name: 'GONE', valueFrom: { configMapKeyRef: { name: 'missing', key: 'A', optional: true } } },
      ],
    };
    expect(await containerEnv(pod, container, sources)).toEqual({
      A: '1',
      B: 'b',
      S_TOKEN: 't0k',
      BOTH: '1-b-$(NOPE)-$(A)',
      VERSION: 'v2',
      POD: 'p-1',
      NS: 'ns',
      IP: '127.0.0.1',
      KEY: '1',
    });
  });

  it("a missing ConfigMap, key or an unsupported field is the kubelet's CreateContainerConfigError naming it", async () => {
    await expect(containerEnv(pod, { envFrom: [{ configMapRef: { name: 'missing' } }] }, sources)).rejects.toThrow(new ContainerConfigError('configmap "missing" not found'));
    await expect(containerEnv(pod, { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'Z' } } }] }, sources)).rejects.toThrow(/couldn't find key Z in ConfigMap ns\/cm/);
    await expect(containerEnv(pod, { env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.priority' } } }] }, sources)).rejects.toThrow(/fieldRef spec\.priority is not supported/);
  });

  it('expands only defined references', () => {
    expect(expandReferences('--prefix $(P) $(Q)', { P: 'one' })).toBe('--prefix one $(Q)');
  });
});

describe('real servers the kubelet runs', () => {
  const pod = (image: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'cache-7d9f-abcde', namespace: 'shop' }, spec: { containers: [{ name: 'redis', image }] } });
  const context = { kube: undefined as unknown as KubeClient, logger: silentLogger, drainGraceMs: 1000, findProgram: () => undefined };

  it('a program that is not installed: ImagePullBackOff naming the Debian package to install, nothing spawned', async () => {
    expect(await launchContainer(pod('redis:7'), context)).toEqual({
      kind: 'unsupported-image',
      reason: 'ImagePullBackOff',
      message: expect.stringMatching(/image "redis:7" runs as redis-server .*not installed.*apt-get install -y redis-server/) as string,
    });
    expect(await launchContainer(pod('eclipse-mosquitto:2'), context)).toMatchObject({ reason: 'ImagePullBackOff', message: expect.stringContaining("Debian's mosquitto package") as string });
  });

  it('redis: the port comes from --port, else the first containerPort, else 6379; the kubelet binds loopback, drops persistence, and wins over the container', () => {
    const redis = REAL_SERVERS.redis;
    expect(redis.containerPort(['redis-server', '--port', '7000'], [6379])).toBe(7000);
    expect(redis.containerPort([], [6380])).toBe(6380);
    expect(redis.containerPort(['--appendonly', 'yes'], [])).toBe(6379);
    const { args } = redis.command(['redis-server', '--port', '7000', '--appendonly', 'yes', '--maxclients', '10100'], 41234, '/tmp/pod');
    expect(args).toEqual(['--appendonly', 'yes', '--maxclients', '10100', '--port', '41234', '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp/pod']);
  });

  it('mosquitto: a generated configuration with one anonymous listener on the loopback port', () => {
    const { args, files } = REAL_SERVERS.mosquitto.command(['/usr/sbin/mosquitto', '-c', '/mosquitto/config/mosquitto.conf'], 41235, '/tmp/pod');
    expect(args).toEqual(['-c', '/tmp/pod/mosquitto.conf']);
    expect(files['mosquitto.conf']).toBe('listener 41235 127.0.0.1\nallow_anonymous true\npersistence false\n');
    expect(REAL_SERVERS.mosquitto.containerPort([], [])).toBe(1883);
  });
});
