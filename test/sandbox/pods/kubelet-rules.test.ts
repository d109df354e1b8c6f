// The pure rules of the sandbox's kubelet: which images run, the crash-loop back-off, the
// container environment (envFrom, env, $(VAR), downward API, missing references).
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/kube/index.js';
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
    ['docker.io/library/redis:7', undefined],
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
