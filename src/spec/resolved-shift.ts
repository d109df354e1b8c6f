import type { HostPort } from './address.js';
import { parseHostPort } from './address.js';
import { durationMs } from './duration-field.js';
import type { Identify } from './identify.js';
import type { MetricTemplate, OnNoData, PrometheusSpec } from './metric-checks.js';
import type { ProbeProtocol, ProbeTls } from './probe-protocol.js';
import { scheduleGates, weightSteps, type ScheduleGate } from './schedule-steps.js';
import type { NotificationSpec } from './notifications.js';
import type { HookType, SecretSource } from './webhooks.js';
import type { GatewayApiShiftSpec, IstioShiftSpec, TCPShiftResource, TCPShiftSpec } from './tcpshift-schema.js';

/**
 * The form the engine uses: defaults applied, durations in milliseconds (`bakeMs`, ...), the probe
 * address split into host and port. Produced by parseTCPShift from a validated resource.
 */
export interface ResolvedCommon {
  paused: boolean;
  onDelete: 'rollback' | 'keep';
  /** steps: the canary weights only (numbered from 1 for people); gates: the schedule's pauses between them. */
  schedule: { steps: number[]; gates: ScheduleGate[]; bakeMs: number };
  probe: {
    address: HostPort;
    /**
     * istio target.matchPorts: where each match port is probed (probe.addresses, else
     * probe.address's host on the match port; the first port defaults to probe.address); absent
     * for a single-route shift.
     */
    ports?: ProbePort[];
    protocol: ProbeProtocol;
    tls: ProbeTls | undefined;
    identify: Identify;
    connectTimeoutMs: number;
    longLived: { connections: number; heartbeatMs: number; timeoutMs: number };
    newConnections: { perStep: number; concurrency: number };
  };
  analysis: {
    maxNewConnectionFailureRate: number;
    maxEchoErrors: number;
    splitConfidence: number;
    splitTolerance: number;
    existingConnections: 'tolerate-drain' | 'preserve';
    drainDurationMs: number;
    onExternalChange: 'pause' | 'rollback' | 'reassert';
    /** Where metrics are queried; undefined when the spec names none (the CLI's --prometheus may set it). */
    prometheus: PrometheusSpec | undefined;
    /** Checks on the mesh's telemetry (empty when none). */
    metrics: ResolvedMetricCheck[];
  };
  /** spec.webhooks (empty when none). */
  webhooks: ResolvedWebhook[];
  /** spec.notifications as written (empty when none): the chat messages' senders read urlFrom themselves. */
  notifications: NotificationSpec[];
}

/** One spec.webhooks[] entry, the timeout in milliseconds. */
export interface ResolvedWebhook {
  name: string;
  type: HookType;
  url: string;
  timeoutMs: number;
  retries: number;
  metadata: Record<string, string>;
  secret: SecretSource | undefined;
}

/** The probe address of one match port of a multi-port shift. */
export interface ProbePort {
  matchPort: number;
  address: HostPort;
}

/** One spec.analysis.metrics[] entry, durations in milliseconds. */
export interface ResolvedMetricCheck {
  name: string;
  /** Exactly one of template and query. */
  template?: MetricTemplate;
  query?: string;
  min?: number;
  max?: number;
  intervalMs: number;
  failureLimit: number;
  onNoData: OnNoData;
}

export interface ResolvedIstioTarget {
  virtualService: string;
  destinationRule: string;
  host: string;
  port: number;
  /** The owned route's match port; with matchPorts, the first of them (its keys hold the shift's annotations). */
  matchPort: number;
  /** Every owned route's match port, in the spec's order ([matchPort] for a single route). */
  matchPorts: number[];
  /** As written; undefined when the spec does not name gateways (see istioGateways()). */
  gateways: string[] | undefined;
  gatewaySelector: Record<string, string>;
  tcpKeepalive: { timeMs?: number; intervalMs?: number; probes?: number } | undefined;
}

export interface ResolvedIstioSpec extends ResolvedCommon {
  provider: 'istio';
  /** route: the VirtualService tcp route's weights; locality: the DestinationRule's distribute (src/istio/locality-weights.ts). */
  strategy: 'route' | 'locality';
  target: ResolvedIstioTarget;
  /** locality: as written, or the default tcpshift/<service>/<subset> (used by strategy locality only). */
  stable: { subset: string; locality: string };
  canary: { subset: string; locality: string };
}

export interface ResolvedGatewayApiSpec extends ResolvedCommon {
  provider: 'gateway-api';
  target: GatewayApiShiftSpec['target'];
  stable: { service: string };
  canary: { service: string };
}

export type ResolvedSpec = ResolvedIstioSpec | ResolvedGatewayApiSpec;

export interface ResolvedShift {
  name: string;
  namespace: string;
  spec: ResolvedSpec;
}

function resolveCommon(spec: TCPShiftSpec): ResolvedCommon {
  const { schedule, probe, analysis } = spec;
  const address = parseHostPort(probe.address);
  if (!address) throw new Error(`spec.probe.address: '${probe.address}' was accepted by the schema but does not parse`);
  return {
    paused: spec.paused,
    onDelete: spec.onDelete,
    schedule: { steps: weightSteps(schedule.steps), gates: scheduleGates(schedule.steps), bakeMs: durationMs(schedule.bake) },
    probe: {
      address,
      protocol: probe.protocol,
      tls: probe.tls,
      identify: probe.identify,
      connectTimeoutMs: durationMs(probe.connectTimeout),
      longLived: {
        connections: probe.longLived.connections,
        heartbeatMs: durationMs(probe.longLived.heartbeat),
        timeoutMs: durationMs(probe.longLived.timeout),
      },
      newConnections: { ...probe.newConnections },
    },
    analysis: {
      maxNewConnectionFailureRate: analysis.maxNewConnectionFailureRate,
      maxEchoErrors: analysis.maxEchoErrors,
      splitConfidence: analysis.splitConfidence,
      splitTolerance: analysis.splitTolerance,
      existingConnections: analysis.existingConnections,
      drainDurationMs: durationMs(analysis.drainDuration),
      onExternalChange: analysis.onExternalChange,
      prometheus: analysis.prometheus,
      metrics: (analysis.metrics ?? []).map((m) => ({
        name: m.name,
        ...(m.template !== undefined && { template: m.template }),
        ...(m.query !== undefined && { query: m.query }),
        ...(m.thresholdRange.min !== undefined && { min: m.thresholdRange.min }),
        ...(m.thresholdRange.max !== undefined && { max: m.thresholdRange.max }),
        intervalMs: durationMs(m.interval),
        failureLimit: m.failureLimit,
        onNoData: m.onNoData,
      })),
    },
    webhooks: (spec.webhooks ?? []).map((w) => ({ name: w.name, type: w.type, url: w.url, timeoutMs: durationMs(w.timeout), retries: w.retries, metadata: { ...w.metadata }, secret: w.secret })),
    notifications: (spec.notifications ?? []).map((n) => ({ ...n })),
  };
}

/** The match ports of an Istio target as written: matchPorts, or [matchPort]. */
export function matchPortsOf(target: Pick<IstioShiftSpec['target'], 'matchPort' | 'matchPorts'>): number[] {
  if (target.matchPorts) return [...target.matchPorts];
  if (target.matchPort === undefined) throw new Error('spec.target: neither matchPort nor matchPorts, which the schema requires');
  return [target.matchPort];
}

/** The probe address of each match port of target.matchPorts (see ResolvedCommon.probe.ports). */
function probePorts(spec: IstioShiftSpec, address: HostPort): ProbePort[] | undefined {
  if (!spec.target.matchPorts) return undefined;
  return spec.target.matchPorts.map((matchPort, i) => {
    const written = spec.probe.addresses?.[String(matchPort)];
    const parsed = written === undefined ? undefined : parseHostPort(written);
    return { matchPort, address: parsed ?? (i === 0 ? address : { host: address.host, port: matchPort }) };
  });
}

function resolveIstioTarget(target: IstioShiftSpec['target']): ResolvedIstioTarget {
  const keepalive = target.tcpKeepalive;
  return {
    virtualService: target.virtualService,
    destinationRule: target.destinationRule,
    host: target.host,
    port: target.port,
    matchPort: matchPortsOf(target)[0]!,
    matchPorts: matchPortsOf(target),
    gateways: target.gateways ? [...target.gateways] : undefined,
    gatewaySelector: { ...target.gatewaySelector },
    tcpKeepalive: keepalive && {
      ...(keepalive.time !== undefined && { timeMs: durationMs(keepalive.time) }),
      ...(keepalive.interval !== undefined && { intervalMs: durationMs(keepalive.interval) }),
      ...(keepalive.probes !== undefined && { probes: keepalive.probes }),
    },
  };
}

/** The locality of a version under strategy locality: as written, or tcpshift/<service name>/<subset>. */
export function versionLocality(host: string, version: { subset: string; locality?: string | undefined }): string {
  return version.locality ?? `tcpshift/${host.split('.')[0] ?? host}/${version.subset}`;
}

/** The pod label value of a locality (topology.istio.io/locality: dots for slashes). */
export function localityLabelValue(locality: string): string {
  return locality.replaceAll('/', '.');
}

export const LOCALITY_LABEL = 'topology.istio.io/locality';

function resolveIstio(spec: IstioShiftSpec, common: ResolvedCommon): ResolvedIstioSpec {
  const version = (v: IstioShiftSpec['stable']) => ({ subset: v.subset, locality: versionLocality(spec.target.host, v) });
  const ports = probePorts(spec, common.probe.address);
  const probe = ports ? { ...common.probe, ports } : common.probe;
  return { provider: 'istio', strategy: spec.strategy, target: resolveIstioTarget(spec.target), stable: version(spec.stable), canary: version(spec.canary), ...common, probe };
}

/** Resolve a resource the schema accepted (tcpshiftResourceSchema output). */
export function resolveShift(resource: TCPShiftResource): ResolvedShift {
  const spec = resource.spec;
  const common = resolveCommon(spec);
  const resolved: ResolvedSpec =
    spec.provider === 'istio'
      ? resolveIstio(spec, common)
      : { provider: 'gateway-api', target: { ...spec.target, gateway: { ...spec.target.gateway } }, stable: { ...spec.stable }, canary: { ...spec.canary }, ...common };
  return { name: resource.metadata.name, namespace: resource.metadata.namespace, spec: resolved };
}
