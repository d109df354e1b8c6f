// The pre-flight's table of misconfigurations (issue 12): each row breaks the spec or the
// sandbox's cluster in one way. The same rows run through the CLI (exit 2, nothing written) and
// through the controller (Degraded with `reason`, an Event, no write, deletion completes).
// `message` must name the object and the field; it is matched against the CLI's stderr and the
// Degraded condition's message alike. docs/architecture.md ("Pre-flight") lists these rows.
import type { Sandbox } from '../../src/sandbox/index.js';
import { refs, type ClusterEdits } from './cluster-edits.js';

export type Provider = 'istio' | 'gateway-api';

export interface CaseContext {
  sandbox: Sandbox;
  edits: ClusterEdits;
  /** A loopback port where nothing listens. */
  closedPort: number;
}

export interface PreflightCase {
  name: string;
  provider: Provider;
  /** Dotted changes to the sandbox's shift.yaml (test/spec/examples.ts withChanges). */
  spec?: (ctx: CaseContext) => Record<string, unknown>;
  /** What to break in the cluster (undone after the row). */
  cluster?: (ctx: CaseContext) => void;
  message: RegExp;
  /** The controller's Degraded reason. */
  reason: string;
}

type Spec = Record<string, unknown>;
type Server = { port: { number: number; name?: string; protocol: string }; hosts: string[] };
type Route = { destination: { host: string; subset?: string }; weight?: number };

const servers = (spec: Spec): Server[] => spec.servers as Server[];
const vsRoute = (spec: Spec): Route[] => (spec.tcp as Array<{ route: Route[] }>)[0]!.route;
const subsets = (spec: Spec): Array<{ name: string; labels: Record<string, string> }> => spec.subsets as Array<{ name: string; labels: Record<string, string> }>;
const parentRefs = (spec: Spec): Array<Record<string, unknown>> => spec.parentRefs as Array<Record<string, unknown>>;

/** The sandbox's shift.yaml turned into its shift-locality.yaml (the sandbox's locality routing, port 31401). */
const LOCALITY_SPEC = {
  'spec.strategy': 'locality',
  'spec.target.virtualService': 'echo-locality',
  'spec.target.destinationRule': 'echo-locality',
  'spec.target.host': 'echo-locality.echo.svc.cluster.local',
  'spec.target.matchPort': 31401,
  'spec.target.gateways': ['echo-locality-gateway'],
  'spec.stable.locality': 'tcpshift/echo/v1',
  'spec.canary.locality': 'tcpshift/echo/v2',
};

const istio: Array<Omit<PreflightCase, 'provider'>> = [
  { name: 'canary subset missing from the DestinationRule', spec: () => ({ 'spec.canary.subset': 'v3' }), message: /DestinationRule echo\/echo spec\.subsets: has no subset v3 \(it has v1, v2\)/, reason: 'SubsetNotFound' },
  {
    name: 'stable subset missing from the DestinationRule',
    cluster: ({ edits }) => edits.edit(refs.destinationRule, (s) => ({ ...s, subsets: subsets(s).filter((x) => x.name !== 'v1') })),
    message: /DestinationRule echo\/echo spec\.subsets: has no subset v1 \(it has v2\)/,
    reason: 'SubsetNotFound',
  },
  { name: 'spec.target.host names the Service of another namespace', spec: () => ({ 'spec.target.host': 'echo.default.svc.cluster.local' }), message: /VirtualService echo\/echo cannot be shifted: .*neither subset v1 nor v2 of echo\.default\.svc\.cluster\.local \(spec\.target\.host/, reason: 'RouteNotShiftable' },
  { name: 'spec.target.host short name of another Service', spec: () => ({ 'spec.target.host': 'tcp-echo' }), message: /neither subset v1 nor v2 of tcp-echo\.echo\.svc\.cluster\.local \(spec\.target\.host/, reason: 'RouteNotShiftable' },
  {
    name: 'host `name.namespace`, which Istio does not expand',
    spec: () => ({ 'spec.target.host': 'echo.echo' }),
    cluster: ({ edits }) => edits.edit(refs.virtualService, (s) => ({ ...s, tcp: [{ ...(s.tcp as Spec[])[0], route: vsRoute(s).map((d) => ({ ...d, destination: { ...d.destination, host: 'echo.echo' } })) }] })),
    message: /TCPShift spec\.target\.host: 'echo\.echo' is not a Service host as Istio reads it; write the full name, echo\.echo\.svc\.cluster\.local/,
    reason: 'HostNotService',
  },
  { name: 'spec.target.destinationRule names no DestinationRule', spec: () => ({ 'spec.target.destinationRule': 'echo-typo' }), message: /DestinationRule echo\/echo-typo: not found \(spec\.target\.destinationRule names it\)/, reason: 'DestinationRuleNotFound' },
  {
    name: 'the DestinationRule is for another host',
    cluster: ({ edits }) => edits.edit(refs.destinationRule, (s) => ({ ...s, host: 'other.echo.svc.cluster.local' })),
    message: /DestinationRule echo\/echo spec\.host: 'other\.echo\.svc\.cluster\.local' is other\.echo\.svc\.cluster\.local as Istio resolves it, not the shift's echo\.echo\.svc\.cluster\.local/,
    reason: 'DestinationRuleHostMismatch',
  },
  {
    name: 'the DestinationRule host is of another namespace',
    cluster: ({ edits }) => edits.edit(refs.destinationRule, (s) => ({ ...s, host: 'echo.default.svc.cluster.local' })),
    message: /DestinationRule echo\/echo spec\.host: .*not the shift's echo\.echo\.svc\.cluster\.local/,
    reason: 'DestinationRuleHostMismatch',
  },
  { name: 'the Gateway does not exist', cluster: ({ edits }) => edits.edit(refs.gateway, () => undefined), message: /Gateway echo\/echo-gateway: not found: VirtualService echo\/echo binds its tcp route on port 31400 to it/, reason: 'GatewayNotFound' },
  {
    name: 'the VirtualService is bound to a Gateway of another namespace that does not exist',
    spec: () => ({ 'spec.target.gateways': ['istio-system/echo-gateway'] }),
    cluster: ({ edits }) => edits.edit(refs.virtualService, (s) => ({ ...s, gateways: ['istio-system/echo-gateway'] })),
    message: /Gateway istio-system\/echo-gateway: not found: VirtualService echo\/echo binds/,
    reason: 'GatewayNotFound',
  },
  {
    name: 'the Gateway has no server on matchPort',
    cluster: ({ edits }) => edits.edit(refs.gateway, (s) => ({ ...s, servers: servers(s).map((x) => ({ ...x, port: { ...x.port, number: 31401 } })) })),
    message: /Gateway echo\/echo-gateway spec\.servers: no server on port 31400 \(ports: 31401\)/,
    reason: 'GatewayPortMissing',
  },
  {
    name: 'the Gateway server on matchPort is not TCP',
    cluster: ({ edits }) => edits.edit(refs.gateway, (s) => ({ ...s, servers: servers(s).map((x) => ({ ...x, port: { ...x.port, protocol: 'HTTP' } })) })),
    message: /Gateway echo\/echo-gateway spec\.servers: the server on port 31400 speaks HTTP, not TCP/,
    reason: 'GatewayNotTcp',
  },
  {
    name: "the Gateway server's hosts do not admit the VirtualService's namespace",
    cluster: ({ edits }) => edits.edit(refs.gateway, (s) => ({ ...s, servers: servers(s).map((x) => ({ ...x, hosts: ['payments/*'] })) })),
    message: /Gateway echo\/echo-gateway spec\.servers\[\]\.hosts: \[payments\/\*\] do not admit VirtualService echo\/echo/,
    reason: 'GatewayHostsMismatch',
  },
  { name: 'the Service does not exist', cluster: ({ edits }) => edits.edit(refs.service('echo'), () => undefined), message: /Service echo\/echo: not found \(spec\.target\.host names it\)/, reason: 'ServiceNotFound' },
  { name: "spec.target.port is not the route's destination port", spec: () => ({ 'spec.target.port': 9001 }), message: /VirtualService echo\/echo spec\.tcp\[0\]\.route\[0\]\.destination\.port\.number: is 9000, but spec\.target\.port is 9001/, reason: 'DestinationPortMismatch' },
  {
    name: 'spec.target.port is not a port of the Service',
    spec: () => ({ 'spec.target.port': 9001 }),
    cluster: ({ edits }) => edits.edit(refs.virtualService, (s) => ({ ...s, tcp: [{ ...(s.tcp as Spec[])[0], route: vsRoute(s).map((d) => ({ ...d, destination: { ...d.destination, port: { number: 9001 } } })) }] })),
    message: /Service echo\/echo spec\.ports: no port 9001 \(it has 9000\)/,
    reason: 'ServicePortMissing',
  },
  { name: 'the Service has no selector', cluster: ({ edits }) => edits.edit(refs.service('echo'), (s) => ({ ...s, selector: undefined })), message: /Service echo\/echo spec\.selector: is empty/, reason: 'ServiceWithoutSelector' },
  {
    name: "the canary subset's labels select no pod",
    cluster: ({ edits }) => edits.edit(refs.destinationRule, (s) => ({ ...s, subsets: subsets(s).map((x) => (x.name === 'v2' ? { ...x, labels: { version: 'v9' } } : x)) })),
    message: /DestinationRule echo\/echo spec\.subsets\[1\]\.labels: subset v2: labels \{app=echo, version=v9\} .*select no Ready pod \(no pod has them\)/,
    reason: 'NoReadyEndpoints',
  },
  {
    name: 'subsets keyed on a label other than version, which the pods lack',
    cluster: ({ edits }) => edits.edit(refs.destinationRule, (s) => ({ ...s, subsets: subsets(s).map((x) => ({ ...x, labels: { track: x.name } })) })),
    message: /DestinationRule echo\/echo spec\.subsets\[0\]\.labels: subset v1: labels \{app=echo, track=v1\}/,
    reason: 'NoReadyEndpoints',
  },
  {
    name: "a subset's labels contradict the Service selector",
    cluster: ({ edits }) => edits.edit(refs.destinationRule, (s) => ({ ...s, subsets: subsets(s).map((x) => (x.name === 'v2' ? { ...x, labels: { app: 'billing', version: 'v2' } } : x)) })),
    message: /DestinationRule echo\/echo spec\.subsets\[1\]\.labels: subset v2 selects app=billing, but Service echo\/echo selects app=echo/,
    reason: 'NoReadyEndpoints',
  },
  { name: 'the Service selects no pod at all', cluster: ({ edits }) => edits.edit(refs.service('echo'), (s) => ({ ...s, selector: { app: 'echo-typo' } })), message: /subset v1: labels \{app=echo-typo, version=v1\} .*select no Ready pod/, reason: 'NoReadyEndpoints' },
  { name: 'the VirtualService does not exist', spec: () => ({ 'spec.target.virtualService': 'echo-typo' }), message: /VirtualService echo\/echo-typo not found/, reason: 'RouteNotFound' },
  { name: 'spec.target.matchPort matches no tcp route', spec: () => ({ 'spec.target.matchPort': 31401 }), message: /VirtualService echo\/echo cannot be shifted: spec\.tcp: .*no tcp route matching port 31401/, reason: 'RouteNotShiftable' },
  {
    name: 'another destination carries traffic',
    cluster: ({ edits }) => edits.edit(refs.virtualService, (s) => ({ ...s, tcp: [{ ...(s.tcp as Spec[])[0], route: [...vsRoute(s), { destination: { host: 'legacy.echo.svc.cluster.local' }, weight: 10 }] }] })),
    message: /spec\.tcp\[0\]\.route: destinations other than the stable and canary subsets carry traffic: spec\.tcp\[0\]\.route\[2\] \(legacy/,
    reason: 'RouteNotShiftable',
  },
  { name: 'identify mode prefix against a banner server', spec: () => ({ 'spec.probe.identify': { mode: 'prefix', stable: 'one', canary: 'two' } }), message: /probe address 127\.0\.0\.1:\d+ spec\.probe\.identify: answers look like \d+ banner line\(s\) \([^)]*one starting with Version:\), then the echo verbatim: identify mode prefix:one,two finds no version in them; set probe\.identify \{mode: banner\}/, reason: 'ProbeUnidentified' },
  { name: 'identify regex that finds nothing', spec: () => ({ 'spec.probe.identify': { mode: 'regex', pattern: '^Build: (?<version>\\S+)' } }), message: /spec\.probe\.identify: answers look like .*; set probe\.identify \{mode: banner\}/, reason: 'ProbeUnidentified' },
  { name: 'the probe address refuses', spec: ({ closedPort }) => ({ 'spec.probe.address': `127.0.0.1:${closedPort}` }), message: /probe address 127\.0\.0\.1:\d+ spec\.probe\.address: refused.*the routing chain checked out \(VirtualService echo\/echo tcp route on port 31400; Gateway echo\/echo-gateway server tcp.*look at the probe address/, reason: 'ProbeUnreachable' },
  {
    name: 'a short DestinationRule host and `echo/*` server hosts are accepted: only the refusing probe address is left',
    spec: ({ closedPort }) => ({ 'spec.probe.address': `127.0.0.1:${closedPort}` }),
    cluster: ({ edits }) => {
      edits.edit(refs.destinationRule, (s) => ({ ...s, host: 'echo' }));
      edits.edit(refs.gateway, (s) => ({ ...s, servers: servers(s).map((x) => ({ ...x, hosts: ['echo/*'] })) }));
    },
    message: /spec\.probe\.address: refused.*the routing chain checked out \(.*DestinationRule echo\/echo host echo\.echo\.svc\.cluster\.local, subsets v1 and v2/,
    reason: 'ProbeUnreachable',
  },
  {
    name: 'the probe address reaches the canary, not this route',
    spec: ({ sandbox }) => ({ 'spec.probe.address': `127.0.0.1:${sandbox.pods().find((p) => p.version === 'v2')!.port}` }),
    message: /spec\.probe\.address: answered as version v2 while the route sends the canary nothing/,
    reason: 'ProbeNotStable',
  },
  {
    name: 'the route already carries canary traffic (not a promotion of this spec)',
    cluster: ({ edits }) => edits.edit(refs.virtualService, (s) => ({ ...s, tcp: [{ ...(s.tcp as Spec[])[0], route: vsRoute(s).map((d, i) => ({ ...d, weight: i === 0 ? 70 : 30 })) }] })),
    message: /VirtualService echo\/echo already sends 30% of new connections to the canary/,
    reason: 'CanaryTraffic',
  },
  // Strategy locality (issue 14); its other checks run in-process in test/router/locality-router.test.ts.
  {
    name: 'strategy locality on the subset route (not migrated)',
    spec: () => ({ 'spec.strategy': 'locality', 'spec.stable.locality': 'tcpshift/echo/v1', 'spec.canary.locality': 'tcpshift/echo/v2' }),
    message: /VirtualService echo\/echo spec\.tcp\[0\]\.route: has 2 destinations; strategy locality needs one, echo\.echo\.svc\.cluster\.local without subset; route the port to the host alone/,
    reason: 'RouteNotSingleDestination',
  },
  {
    name: 'strategy locality with failover in the DestinationRule',
    spec: () => ({ ...LOCALITY_SPEC }),
    cluster: ({ edits }) => edits.edit(refs.localityDestinationRule, (s) => ({ ...s, trafficPolicy: { loadBalancer: { localityLbSetting: { failover: [{ from: 'a', to: 'b' }] } } } })),
    message: /DestinationRule echo\/echo-locality spec\.trafficPolicy\.loadBalancer\.localityLbSetting\.failover: is set: istiod rejects distribute beside failover/,
    reason: 'LocalityOverridden',
  },
];

const gatewayApi: Array<Omit<PreflightCase, 'provider'>> = [
  { name: 'the canary Service does not exist', spec: () => ({ 'spec.canary.service': 'echo-v3' }), message: /Service echo\/echo-v3: not found \(spec\.canary\.service names it\)/, reason: 'ServiceNotFound' },
  { name: 'the stable Service does not exist', cluster: ({ edits }) => edits.edit(refs.service('echo-v1'), () => undefined), message: /Service echo\/echo-v1: not found \(spec\.stable\.service names it\)/, reason: 'ServiceNotFound' },
  { name: "spec.target.port is not the backends' port", spec: () => ({ 'spec.target.port': 9001 }), message: /TCPRoute echo\/echo spec\.rules\[0\]\.backendRefs\[0\]\.port: is 9000 for Service echo-v1, but spec\.target\.port is 9001/, reason: 'BackendPortMismatch' },
  {
    name: 'the canary Service lacks the port',
    cluster: ({ edits }) => edits.edit(refs.service('echo-v2'), (s) => ({ ...s, ports: (s.ports as Spec[]).map((p) => ({ ...p, port: 9002 })) })),
    message: /Service echo\/echo-v2 spec\.ports: no port 9000 \(it has 9002\)/,
    reason: 'ServicePortMissing',
  },
  { name: 'spec sectionName names a listener the route is not attached to', spec: () => ({ 'spec.target.gateway.sectionName': 'tcp-typo' }), message: /TCPRoute echo\/echo spec\.parentRefs: is not attached to listener tcp-typo of Gateway echo\/echo-gateway \(attached through: tcp\)/, reason: 'ListenerNotAttached' },
  {
    name: "the route's sectionName names no listener",
    spec: () => ({ 'spec.target.gateway.sectionName': undefined }),
    cluster: ({ edits }) => edits.edit(refs.tcpRoute, (s) => ({ ...s, parentRefs: parentRefs(s).map((p) => ({ ...p, sectionName: 'tcp-typo' })) })),
    message: /Gateway echo\/echo-gateway spec\.listeners: has no listener tcp-typo \(listeners: tcp \(TCP 31400\)\); correct TCPRoute echo\/echo spec\.parentRefs\[\]\.sectionName/,
    reason: 'ListenerNotFound',
  },
  {
    name: 'the parent Gateway does not exist',
    spec: () => ({ 'spec.target.gateway.name': 'edge' }),
    cluster: ({ edits }) => edits.edit(refs.tcpRoute, (s) => ({ ...s, parentRefs: [{ name: 'edge', sectionName: 'tcp' }] })),
    message: /Gateway echo\/edge: not found \(spec\.target\.gateway and TCPRoute echo\/echo spec\.parentRefs name it\)/,
    reason: 'GatewayNotFound',
  },
  { name: 'spec.target.gateway is not a parent of the route', spec: () => ({ 'spec.target.gateway.name': 'edge' }), message: /TCPRoute echo\/echo cannot be shifted: spec\.parentRefs: TCPRoute echo\/echo is not attached to Gateway echo\/edge/, reason: 'RouteNotShiftable' },
  {
    name: 'the listener is not TCP',
    cluster: ({ edits }) => edits.edit(refs.gateway, (s) => ({ ...s, servers: servers(s).map((x) => ({ ...x, port: { ...x.port, protocol: 'HTTP' } })) })),
    message: /Gateway echo\/echo-gateway spec\.listeners: listener tcp speaks HTTP, not TCP/,
    reason: 'ListenerNotTcp',
  },
  {
    name: 'the route has other parents, not accepted',
    cluster: ({ edits }) => edits.edit(refs.tcpRoute, (s) => ({ ...s, parentRefs: [...parentRefs(s), { name: 'edge', namespace: 'infra', sectionName: 'tcp-5432' }] })),
    message: /TCPRoute echo\/echo spec\.parentRefs: has other parents whose traffic moves with these weights: Gateway infra\/edge listener tcp-5432; set spec\.target\.allowOtherParents: true/,
    reason: 'SharedRoute',
  },
  {
    name: 'the route is attached to every listener of the Gateway and to another one',
    spec: () => ({ 'spec.target.gateway.sectionName': undefined }),
    cluster: ({ edits }) => edits.edit(refs.tcpRoute, (s) => ({ ...s, parentRefs: [{ name: 'echo-gateway' }, { name: 'echo-gateway-canary' }] })),
    message: /has other parents whose traffic moves with these weights: Gateway echo\/echo-gateway-canary \(every listener\)/,
    reason: 'SharedRoute',
  },
  {
    name: 'other parents accepted with allowOtherParents: only the refusing probe address is left',
    spec: ({ closedPort }) => ({ 'spec.target.allowOtherParents': true, 'spec.probe.address': `127.0.0.1:${closedPort}` }),
    cluster: ({ edits }) => edits.edit(refs.tcpRoute, (s) => ({ ...s, parentRefs: [...parentRefs(s), { name: 'edge', namespace: 'infra', sectionName: 'tcp-5432' }] })),
    message: /spec\.probe\.address: refused.*the routing chain checked out \(TCPRoute echo\/echo/,
    reason: 'ProbeUnreachable',
  },
  { name: 'the canary Service selects no pod', cluster: ({ edits }) => edits.edit(refs.service('echo-v2'), (s) => ({ ...s, selector: { app: 'echo', version: 'v9' } })), message: /Service echo\/echo-v2 spec\.selector: canary Service echo-v2: labels \{app=echo, version=v9\}/, reason: 'NoReadyEndpoints' },
  { name: 'the stable Service has no selector', cluster: ({ edits }) => edits.edit(refs.service('echo-v1'), (s) => ({ ...s, selector: undefined })), message: /Service echo\/echo-v1 spec\.selector: is empty/, reason: 'ServiceWithoutSelector' },
  { name: "identify banner against Istio's tcp-echo (prefix answers, no banner)", spec: () => ({ 'spec.probe.identify': { mode: 'banner' } }), message: /answers look like no banner, then the echo after the prefix one: identify mode banner finds no version in them; set probe\.identify \{mode: prefix, stable: one, canary: two\}/, reason: 'ProbeUnidentified' },
  { name: 'identify prefix words that are not the servers\'', spec: () => ({ 'spec.probe.identify': { mode: 'prefix', stable: 'uno', canary: 'dos' } }), message: /identify mode prefix:uno,dos finds no version in them; set probe\.identify \{mode: prefix, stable: one, canary: two\}/, reason: 'ProbeUnidentified' },
  { name: 'the probe address refuses', spec: ({ closedPort }) => ({ 'spec.probe.address': `127.0.0.1:${closedPort}` }), message: /spec\.probe\.address: refused.*the routing chain checked out \(TCPRoute echo\/echo .*Istio Gateway echo\/echo-gateway listener tcp \(TCP 31400\)/, reason: 'ProbeUnreachable' },
  { name: 'the TCPRoute does not exist', spec: () => ({ 'spec.target.tcpRoute': 'echo-typo' }), message: /TCPRoute echo\/echo-typo not found/, reason: 'RouteNotFound' },
  {
    name: 'the route already carries canary traffic (not a promotion of this spec)',
    cluster: ({ edits }) => edits.edit(refs.tcpRoute, (s) => ({ ...s, rules: [{ backendRefs: ((s.rules as Spec[])[0]!.backendRefs as Spec[]).map((b, i) => ({ ...b, weight: i === 0 ? 60 : 40 })) }] })),
    message: /TCPRoute echo\/echo already sends 40% of new connections to the canary/,
    reason: 'CanaryTraffic',
  },
];

export const PREFLIGHT_CASES: PreflightCase[] = [
  ...istio.map((c) => ({ ...c, provider: 'istio' as const })),
  ...gatewayApi.map((c) => ({ ...c, provider: 'gateway-api' as const })),
];
