// The sandbox's echo routing (test/support/routing-chain.ts in an API emulator) migrated to
// strategy locality, as `tcpshift render --strategy locality` describes it: the VirtualService's
// tcp route sends port 31400 to the host alone, and each version's pod carries its locality.
import type { KubeObject } from '../../src/kube/index.js';
import { LOCALITY_LABEL } from '../../src/spec/resolved-shift.js';

interface Objects {
  get(ref: { apiVersion: string; kind: string; name: string; namespace: string }): KubeObject;
  update(object: KubeObject): KubeObject;
}

export const ECHO_VS_REF = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' };
export const ECHO_DR_REF = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', name: 'echo', namespace: 'echo' };

export function migrateToLocality(objects: Objects): void {
  const vs = objects.get(ECHO_VS_REF);
  const route = [{ destination: { host: 'echo.echo.svc.cluster.local', port: { number: 9000 } } }];
  objects.update({ ...vs, spec: { ...(vs.spec as object), tcp: [{ match: [{ port: 31400 }], route }] } });
  for (const version of ['v1', 'v2']) {
    const pod = objects.get({ apiVersion: 'v1', kind: 'Pod', name: `echo-${version}-0`, namespace: 'echo' });
    objects.update({ ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, [LOCALITY_LABEL]: `tcpshift.echo.${version}` } } });
  }
}

/** The DestinationRule's distribute[0].to, or undefined. */
export function distributeOf(dr: KubeObject): unknown {
  const spec = dr.spec as { trafficPolicy?: { loadBalancer?: { localityLbSetting?: { distribute?: Array<{ to: unknown }> } } } };
  return spec.trafficPolicy?.loadBalancer?.localityLbSetting?.distribute?.[0]?.to;
}
