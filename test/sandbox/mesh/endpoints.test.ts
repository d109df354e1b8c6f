// EDS as the gateway emulator computes it: Service selector + subset labels, Ready and not
// terminating pods, named target ports resolved per pod.
import { describe, expect, it } from 'vitest';
import { clusterEndpoints } from '../../../src/sandbox/mesh/endpoints.js';
import type { Cluster } from '../../../src/sandbox/mesh/listener-plan.js';
import { readyPod, sandboxMesh } from '../../support/sandbox-mesh-fixtures.js';

const cluster = (subset: string | undefined, host = 'echo.echo.svc.cluster.local', port = 9000): Cluster => ({ name: `outbound|${port}|${subset ?? ''}|${host}`, host, subset, port });
const pods = (c: Cluster, mesh = sandboxMesh()) => clusterEndpoints(c, mesh).map((e) => `${e.pod}@${e.port}`);

describe('cluster endpoints', () => {
  it('selects the subset labels of the DestinationRule on top of the Service selector', () => {
    expect(pods(cluster('v1'))).toEqual(['echo-v1-0@20000', 'echo-v1-1@20001']);
    expect(pods(cluster('v2'))).toEqual(['echo-v2-0@20100', 'echo-v2-1@20101']);
    expect(pods(cluster(undefined))).toHaveLength(4);
  });

  it('one Service per version serves Gateway API backends', () => {
    expect(pods(cluster(undefined, 'echo-v2.echo.svc.cluster.local'))).toEqual(['echo-v2-0@20100', 'echo-v2-1@20101']);
  });

  it('resolves a named targetPort in each pod, and skips a pod without that port', () => {
    const mesh = sandboxMesh(1);
    mesh.pods.push(readyPod('echo-v1-other', 'v1', 30000));
    mesh.pods[mesh.pods.length - 1]!.spec!.containers![0]!.ports = [{ name: 'metrics', containerPort: 9090 }];
    expect(pods(cluster('v1'), mesh)).toEqual(['echo-v1-0@20000']);
    mesh.services.find((s) => s.metadata.name === 'echo')!.spec!.ports![0]!.targetPort = 7777;
    expect(pods(cluster('v1'), mesh)).toEqual(['echo-v1-0@7777', 'echo-v1-other@7777']);
  });

  it('leaves out pods not Ready, terminating, or in another namespace', () => {
    const mesh = sandboxMesh(0);
    mesh.pods = [
      readyPod('a', 'v1', 1, { ready: false }),
      readyPod('b', 'v1', 2, { terminating: true }),
      readyPod('c', 'v1', 3, { namespace: 'other' }),
      readyPod('d', 'v1', 4),
    ];
    expect(pods(cluster('v1'), mesh)).toEqual(['d@4']);
  });

  it('has no endpoints for an unknown subset, Service, port, or a Service without selector', () => {
    expect(pods(cluster('v3'))).toEqual([]);
    expect(pods(cluster('v1', 'nope.echo.svc.cluster.local'))).toEqual([]);
    expect(pods(cluster('v1', 'echo.echo.svc.cluster.local', 9001))).toEqual([]);
    expect(pods(cluster('v1', 'example.com'))).toEqual([]);
    const mesh = sandboxMesh();
    delete mesh.services.find((s) => s.metadata.name === 'echo')!.spec!.selector;
    expect(pods(cluster('v1'), mesh)).toEqual([]);
  });

  it('reads a DestinationRule host written as a short name in its namespace', () => {
    const mesh = sandboxMesh();
    mesh.destinationRules[0]!.spec.host = 'echo';
    expect(pods(cluster('v1'), mesh)).toHaveLength(2);
    mesh.destinationRules[0]!.metadata.namespace = 'other';
    expect(pods(cluster('v1'), mesh)).toEqual([]);
  });
});
