import type { KubeObject } from '../kube/index.js';
import { LOCALITY_LABEL, localityLabelValue } from '../istio/locality.js';
import { ECHO_PORT_NAME, type Deployment } from './pods/index.js';

/**
 * The objects `sandbox up` creates (DESIGN section 3): namespace `echo`, Services `echo` (all
 * versions, for the Istio subsets) and `echo-v1`/`echo-v2` (one per version, for Gateway API),
 * Deployments `echo-v1`/`echo-v2`, Gateway `echo-gateway` (TCP 31400), DestinationRule `echo`
 * (subsets by label `version`) and, for the istio provider, VirtualService `echo` routing 100 %
 * to v1; for the gateway-api provider a TCPRoute `echo` instead (a VirtualService on the same
 * gateway port, being older, would shadow it as in istiod). The routing objects are what
 * `tcpshift render -f examples/shift.yaml --weight 0` (or shift-gateway-api.yaml) describes.
 */
export const SANDBOX_NAMESPACE = 'echo';
export const GATEWAY_NAME = 'echo-gateway';
export const GATEWAY_PORT = 31400;
/** The Gateway server's port name: what the example TCPRoute's parentRef `sectionName` names. */
export const GATEWAY_SECTION = 'tcp';
export const SERVICE_PORT = 9000;
export const ECHO_HOST = `echo.${SANDBOX_NAMESPACE}.svc.cluster.local`;
export const VERSIONS = ['v1', 'v2'] as const;
export type SandboxProvider = 'istio' | 'gateway-api';

export interface SandboxObjectOptions {
  replicas: number;
  /** Echo prefix per version (`--prefix`), like Istio's tcp-echo sample (`one`, `two`). */
  prefixes?: Partial<Record<string, string>>;
  banner?: 'full' | 'none';
  provider: SandboxProvider;
}

const meta = (name: string, labels?: Record<string, string>) => ({ name, namespace: SANDBOX_NAMESPACE, ...(labels ? { labels } : {}) });

function service(name: string, selector: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, { app: 'echo' }),
    spec: { selector, ports: [{ name: ECHO_PORT_NAME, port: SERVICE_PORT, targetPort: ECHO_PORT_NAME, protocol: 'TCP' }] },
  };
}

export function echoArgsFor(version: string, options: Pick<SandboxObjectOptions, 'prefixes' | 'banner'>): string[] {
  const prefix = options.prefixes?.[version];
  return ['--version', version, ...(prefix ? ['--prefix', prefix] : []), ...(options.banner ? ['--banner', options.banner] : [])];
}

/**
 * The pod label that gives each version its own Istio locality, `tcpshift/<service>/<subset>`
 * written with dots (`tcpshift.echo.v1`), so that `strategy: locality` can weigh the versions
 * with DestinationRule `distribute`; routes by subset ignore it.
 */
export function echoLocalityLabel(version: string): Record<string, string> {
  return { [LOCALITY_LABEL]: localityLabelValue(`tcpshift/echo/${version}`) };
}

function deployment(version: string, options: SandboxObjectOptions): Deployment {
  const labels = { app: 'echo', version };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(`echo-${version}`, labels),
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels: { ...labels, ...echoLocalityLabel(version) } },
        spec: {
          terminationGracePeriodSeconds: 30,
          containers: [{ name: 'echo', image: 'tcpshift-echo', args: echoArgsFor(version, options), ports: [{ name: ECHO_PORT_NAME, containerPort: SERVICE_PORT, protocol: 'TCP' }] }],
        },
      },
    },
  };
}

function destinationRule(): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: meta('echo'),
    spec: { host: ECHO_HOST, subsets: VERSIONS.map((v) => ({ name: v, labels: { version: v } })) },
  };
}

function virtualService(): KubeObject {
  const destination = (subset: string) => ({ host: ECHO_HOST, subset, port: { number: SERVICE_PORT } });
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: meta('echo'),
    spec: {
      hosts: ['*'],
      gateways: [GATEWAY_NAME],
      tcp: [{ match: [{ port: GATEWAY_PORT }], route: [{ destination: destination('v1'), weight: 100 }, { destination: destination('v2'), weight: 0 }] }],
    },
  };
}

function tcpRoute(): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1alpha2',
    kind: 'TCPRoute',
    metadata: meta('echo'),
    spec: {
      parentRefs: [{ name: GATEWAY_NAME, sectionName: GATEWAY_SECTION }],
      rules: [{ backendRefs: VERSIONS.map((v, i) => ({ name: `echo-${v}`, port: SERVICE_PORT, weight: i === 0 ? 100 : 0 })) }],
    },
  };
}

export function sandboxObjects(options: SandboxObjectOptions): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SANDBOX_NAMESPACE, labels: { 'istio-injection': 'enabled' } } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tcpshift-system' } }, // the controller's default Lease namespace
    service('echo', { app: 'echo' }),
    ...VERSIONS.map((v) => service(`echo-${v}`, { app: 'echo', version: v })),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: meta(GATEWAY_NAME),
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: GATEWAY_PORT, name: GATEWAY_SECTION, protocol: 'TCP' }, hosts: ['*'] }] },
    },
    destinationRule(),
    options.provider === 'istio' ? virtualService() : tcpRoute(),
    ...VERSIONS.map((v) => deployment(v, options)),
  ];
}
