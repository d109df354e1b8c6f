import { z } from 'zod';
import { HOST_PORT_HELP, parseHostPort } from './address.js';
import { parseDuration } from '../util/duration.js';
import { durationString, MAX_BAKE_MS, MAX_PROBE_DURATION_MS } from './duration-field.js';
import { identifySchema } from './identify.js';
import { probeProtocolSchema, probeTlsSchema } from './probe-protocol.js';
import { probeProtocolIssues } from './probe-protocol-rules.js';
import { dns1035Label, dns1123Label, dns1123Subdomain, ISTIO_GATEWAY_REF, portNumber } from './names.js';
import { integerIn, numberIn } from './numbers.js';
import { metricChecksSchema, prometheusSchema } from './metric-checks.js';
import { notificationsSchema } from './notifications.js';
import { scheduleStepsSchema } from './schedule-steps.js';
import { isPlainObject, strictObject } from './strict-object.js';
import { webhooksSchema } from './webhooks.js';

/**
 * The TCPShift resource (DESIGN section 3): the zod schema is the single source of truth for the
 * CLI file, the CRD's openAPIV3Schema (scripts/gen-crd.ts) and the TypeScript types. Durations
 * stay strings here; resolveShift turns them into milliseconds. Cross-field rules (ordering of
 * steps, heartbeat < timeout, stable != canary) are refinements: the CRD cannot express them.
 */
export const TCPSHIFT_GROUP = 'tcpshift.io';
export const TCPSHIFT_VERSION = 'v1alpha1';
export const TCPSHIFT_API_VERSION = `${TCPSHIFT_GROUP}/${TCPSHIFT_VERSION}`;
export const TCPSHIFT_KIND = 'TCPShift';

export const GATEWAY_API_VERSIONS = ['gateway.networking.k8s.io/v1alpha2', 'gateway.networking.k8s.io/v1'] as const;

const istioGatewayRef = z
  .string({ error: 'must be a gateway name, namespace/name, or mesh' })
  .max(317, { error: 'must be a gateway name, namespace/name, or mesh' })
  .regex(ISTIO_GATEWAY_REF, { error: 'must be a gateway name, namespace/name, or mesh (DNS-1123 names)' });

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const labelSelector = z.record(
  z.string().max(316).regex(LABEL_KEY, { error: 'must be a label key such as istio or app.kubernetes.io/name' }),
  z.string({ error: 'must be a label value (string)' }).max(63, { error: 'must be a label value of at most 63 characters' }).regex(LABEL_VALUE, {
    error: "must be a label value: letters, digits, '-', '_' and '.', starting and ending alphanumeric",
  }),
  { error: 'must be a map of label keys to values' },
);

/**
 * Per-shift probe resources (README "Limits"). Each long-lived connection and each concurrent new
 * connection is an open socket in the probing process (the controller serves every shift from one
 * process with 20,000 open files): 1,000 of each per shift. perStep bounds one step's samples: the
 * split test needs ~870 at 20 % with tolerance 0.05 and confidence 0.99, so 100,000 leaves room
 * for tight tolerances without letting one step run for ever.
 */
export const MAX_PROBE_CONNECTIONS = 1000;
export const MAX_SAMPLES_PER_STEP = 100_000;
const MAX_KEEPALIVE_MS = 32_767_000;

/** Routes one shift may own on a VirtualService (each port's probes are sockets of the probing process). */
export const MAX_MATCH_PORTS = 8;

/** target.matchPort or target.matchPorts, exactly one; the ports distinct. */
function oneMatchPortField(target: { matchPort?: number | undefined; matchPorts?: number[] | undefined }, ctx: z.RefinementCtx): void {
  if (target.matchPort !== undefined && target.matchPorts !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['matchPorts'], message: 'give either matchPort (one route) or matchPorts (several routes in lockstep), not both' });
  } else if (target.matchPort === undefined && target.matchPorts === undefined) {
    ctx.addIssue({ code: 'custom', path: ['matchPort'], message: 'is required (the tcp route\'s match port), or matchPorts for several routes' });
  }
  target.matchPorts?.forEach((port, i) => {
    if (target.matchPorts?.indexOf(port) !== i) ctx.addIssue({ code: 'custom', path: ['matchPorts', i], message: `lists port ${port} twice` });
  });
}

const PORT_HELP = 'Service port of the destinations (istio: the host; gateway-api: the stable and canary Services).';

const istioTarget = strictObject({
  virtualService: dns1123Subdomain.describe('VirtualService whose tcp route is shifted; only the owned weights are patched.'),
  destinationRule: dns1123Subdomain.describe('DestinationRule holding the stable and canary subsets.'),
  host: dns1123Subdomain.describe('Destination host, e.g. echo.echo.svc.cluster.local (never *).'),
  port: portNumber.describe(PORT_HELP),
  matchPort: portNumber.optional().describe('Port of the tcp route match, i.e. the gateway server port (exactly one of matchPort and matchPorts).'),
  matchPorts: z
    .array(portNumber, { error: 'must be a list of gateway ports, e.g. [31400, 31401]' })
    .min(1, { error: 'must list at least one port when given' })
    .max(MAX_MATCH_PORTS, { error: `must list at most ${MAX_MATCH_PORTS} ports` })
    .optional()
    .describe('Several tcp routes of the VirtualService shifted in lockstep, one per match port (gateway server port): one write per step for all of them.'),
  gateways: z
    .array(istioGatewayRef, { error: 'must be a list of gateway names' })
    .min(1, { error: 'must list at least one gateway when given' })
    .optional()
    .describe('Gateways of the tcp route (name, namespace/name or mesh); with matchPort they pick the owned route. Default: <virtualService>-gateway.'),
  gatewaySelector: labelSelector
    .default({ istio: 'ingressgateway' })
    .describe('Pod labels of the ingress gateway selected by the rendered Gateway.'),
  tcpKeepalive: strictObject({
    // Linux's limits for TCP_KEEPIDLE/TCP_KEEPINTVL (32767 s) and TCP_KEEPCNT (127), include/net/tcp.h:
    // Envoy's setsockopt fails above them.
    time: durationString(1, MAX_KEEPALIVE_MS).optional(),
    interval: durationString(1, MAX_KEEPALIVE_MS).optional(),
    probes: integerIn(1, 127).optional(),
  }, 'an object')
    .optional()
    .describe('Optional TCP keep-alive of the rendered DestinationRule (connectionPool.tcp.tcpKeepalive).'),
}, 'an object').superRefine(oneMatchPortField);

const gatewayApiTarget = strictObject({
  tcpRoute: dns1123Subdomain.describe('TCPRoute whose backendRefs weights are shifted.'),
  gateway: strictObject({
    name: dns1123Subdomain,
    namespace: dns1123Label.optional(),
    sectionName: dns1123Subdomain.optional(),
  }, 'an object').describe('Parent Gateway of the TCPRoute (namespace defaults to the shift namespace).'),
  port: portNumber.describe(PORT_HELP),
  apiVersion: z
    .enum(GATEWAY_API_VERSIONS, { error: `must be one of: ${GATEWAY_API_VERSIONS.join(', ')}` })
    .default('gateway.networking.k8s.io/v1alpha2')
    .describe('TCPRoute API version to render (v1alpha2 is served by every Gateway API release).'),
  allowOtherParents: z
    .boolean({ error: 'must be true or false' })
    .default(false)
    .describe('Shift a TCPRoute that also has other parents (gateways/listeners), whose traffic moves with the same weights.'),
}, 'an object');

/**
 * An Istio locality (region/zone/subzone; dots in the pod label `topology.istio.io/locality`
 * stand for the slashes, so a segment has no dot) that fits in a label value (63 characters).
 */
export const LOCALITY_PATTERN = /^[A-Za-z0-9]([-A-Za-z0-9_]*[A-Za-z0-9])?(\/[A-Za-z0-9]([-A-Za-z0-9_]*[A-Za-z0-9])?){0,2}$/;
const locality = z
  .string({ error: 'must be a locality region/zone/subzone, e.g. tcpshift/echo/v1' })
  .max(63, { error: 'must be at most 63 characters (it is a pod label value with dots for slashes)' })
  .regex(LOCALITY_PATTERN, { error: "must be a locality region/zone/subzone: letters, digits, '-' and '_' in each of 1-3 segments separated by '/'" });

const subsetRef = strictObject({
  subset: dns1123Label.describe('DestinationRule subset (pods labelled version=<subset>).'),
  locality: locality
    .optional()
    .describe('strategy locality: the locality of this version\'s pods (label topology.istio.io/locality, dots for slashes). Default tcpshift/<service>/<subset>.'),
}, 'an object');
const serviceRef = strictObject({ service: dns1035Label.describe('Service of this version.') }, 'an object');

const schedule = strictObject({
  steps: scheduleStepsSchema,
  bake: durationString(0, MAX_BAKE_MS).default('60s').describe('How long each step is held and probed.'),
}, 'an object');

const address = z
  .string({ error: `must be ${HOST_PORT_HELP}` })
  .refine((text) => parseHostPort(text) !== undefined, { error: `must be ${HOST_PORT_HELP}` });

const longLived = strictObject({
  connections: integerIn(0, MAX_PROBE_CONNECTIONS).default(20),
  heartbeat: durationString(1, MAX_PROBE_DURATION_MS).default('1s'),
  timeout: durationString(1, MAX_PROBE_DURATION_MS).default('2s'),
}, 'an object').superRefine((value, ctx) => {
  const heartbeat = parseDuration(value.heartbeat);
  const timeout = parseDuration(value.timeout);
  if (heartbeat !== undefined && timeout !== undefined && heartbeat >= timeout) {
    ctx.addIssue({ code: 'custom', path: ['heartbeat'], message: `must be shorter than longLived.timeout (${value.timeout})` });
  }
});

const probe = strictObject({
  address: address.describe('Where probe connections go: the ingress gateway, HOST:PORT (with target.matchPorts: the address of the first port).'),
  addresses: z
    .record(z.string().regex(/^[1-9][0-9]{0,4}$/, { error: 'must be a match port of spec.target.matchPorts' }), address, { error: 'must be a map of match ports to HOST:PORT' })
    .optional()
    .describe("istio target.matchPorts: the probe address of each match port (key). A port not listed is probed at probe.address's host on the match port itself."),
  protocol: probeProtocolSchema.default({ name: 'echo' }),
  tls: probeTlsSchema.optional(),
  identify: identifySchema.default({ mode: 'banner' }),
  connectTimeout: durationString(1, MAX_PROBE_DURATION_MS).default('2s'),
  longLived: longLived.prefault({}).describe('Connections kept open across each step and heart-beaten.'),
  newConnections: strictObject({
    perStep: integerIn(1, MAX_SAMPLES_PER_STEP).default(200),
    concurrency: integerIn(1, MAX_PROBE_CONNECTIONS).default(20),
  }, 'an object').prefault({}).describe('New connections opened at each step to test the split.'),
}, 'an object').superRefine((value, ctx) => {
  for (const issue of probeProtocolIssues(value)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
});

const analysis = strictObject({
  maxNewConnectionFailureRate: numberIn(0, 1).default(0.01),
  maxEchoErrors: integerIn(0, 1_000_000).default(0),
  splitConfidence: numberIn(0, 1, { exclusiveMin: true, exclusiveMax: true }).default(0.99),
  splitTolerance: numberIn(0, 0.5, { exclusiveMin: true })
    .default(0.05)
    .describe('Absolute tolerance on the observed canary share for the split test.'),
  existingConnections: z
    .enum(['tolerate-drain', 'preserve'], { error: 'must be one of: tolerate-drain, preserve' })
    .default('tolerate-drain'),
  drainDuration: durationString(0, MAX_PROBE_DURATION_MS).default('45s').describe("The gateway's drainDuration (Istio ProxyConfig, 45s by default)."),
  onExternalChange: z
    .enum(['pause', 'rollback', 'reassert'], { error: 'must be one of: pause, rollback, reassert' })
    .default('pause')
    .describe("When someone else changes the owned weights mid-step: pause (leave them, stop for resume), rollback (to stable), or reassert (write the step's weights again and bake it afresh)."),
  prometheus: prometheusSchema.optional().describe('Where metrics[] are queried (the CLI flag --prometheus overrides the address).'),
  metrics: metricChecksSchema.optional().describe("Checks on the mesh's telemetry in Prometheus, judged each step besides the probes."),
}, 'an object');

const commonSpec = {
  paused: z.boolean({ error: 'must be true or false' }).default(false),
  onDelete: z.enum(['rollback', 'keep'], { error: 'must be one of: rollback, keep' }).default('rollback'),
  schedule,
  probe,
  analysis: analysis.prefault({}),
  notifications: notificationsSchema.optional().describe('Chat messages about the shift\'s events (README "Gates and hooks").'),
  webhooks: webhooksSchema.optional().describe('HTTP endpoints called at step boundaries: pre-step, confirm-step, post-step, confirm-promotion, rollback, event (README "Webhooks").'),
};

function distinctVersions(field: 'subset' | 'service') {
  return (value: { stable: Record<string, string>; canary: Record<string, string> }, ctx: z.RefinementCtx): void => {
    if (value.stable[field] === value.canary[field]) {
      ctx.addIssue({ code: 'custom', path: ['canary', field], message: `must differ from stable.${field} (${value.stable[field]})` });
    }
  };
}

export const SHIFT_STRATEGIES = ['route', 'locality'] as const;

function distinctLocalities(value: { stable: { locality?: string | undefined }; canary: { locality?: string | undefined } }, ctx: z.RefinementCtx): void {
  if (value.stable.locality !== undefined && value.stable.locality === value.canary.locality) {
    ctx.addIssue({ code: 'custom', path: ['canary', 'locality'], message: `must differ from stable.locality (${value.stable.locality})` });
  }
}

/**
 * probe.addresses names match ports of target.matchPorts; strategy locality owns one route (its
 * weights are the DestinationRule's, one distribute for every port), so it takes matchPort only.
 */
function probeAddressesOfPorts(value: { strategy: string; target: { matchPorts?: number[] | undefined }; probe: { addresses?: Record<string, string> | undefined } }, ctx: z.RefinementCtx): void {
  const ports = value.target.matchPorts;
  if (ports !== undefined && value.strategy === 'locality') {
    ctx.addIssue({ code: 'custom', path: ['target', 'matchPorts'], message: 'is not supported with strategy locality (one DestinationRule distribute moves every port): use matchPort' });
  }
  for (const key of Object.keys(value.probe.addresses ?? {})) {
    if (!ports?.includes(Number(key))) {
      const listed = ports ? `one of spec.target.matchPorts (${ports.join(', ')})` : 'a port of spec.target.matchPorts, which is not set';
      ctx.addIssue({ code: 'custom', path: ['probe', 'addresses', key], message: `must be ${listed}` });
    }
  }
}

/** Gateway API: one TCPRoute rule per shift, one probe address. */
function noProbeAddresses(value: { probe: { addresses?: Record<string, string> | undefined } }, ctx: z.RefinementCtx): void {
  if (value.probe.addresses !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['probe', 'addresses'], message: 'is for the istio provider\'s target.matchPorts; gateway-api shifts one TCPRoute rule with probe.address' });
  }
}

const istioSpec = strictObject({
  provider: z.literal('istio').default('istio'),
  strategy: z
    .enum(SHIFT_STRATEGIES, { error: `must be one of: ${SHIFT_STRATEGIES.join(', ')}` })
    .default('route')
    .describe('route: weights of the VirtualService tcp route (each change drains the gateway port); locality: DestinationRule localityLbSetting.distribute over pod localities (EDS, existing connections survive).'),
  target: istioTarget,
  stable: subsetRef,
  canary: subsetRef,
  ...commonSpec,
}).superRefine(distinctVersions('subset')).superRefine(distinctLocalities).superRefine(probeAddressesOfPorts);

const gatewayApiSpec = strictObject({
  provider: z.literal('gateway-api'),
  target: gatewayApiTarget,
  stable: serviceRef,
  canary: serviceRef,
  ...commonSpec,
}).superRefine(distinctVersions('service')).superRefine(noProbeAddresses);

export const tcpshiftSpecSchema = z.discriminatedUnion('provider', [istioSpec, gatewayApiSpec], {
  error: (issue) => (isPlainObject(issue.input) ? undefined : 'must be an object (the shift specification)'),
});

const anything = z.unknown().optional();
const metadata = strictObject({
  name: dns1123Subdomain,
  namespace: dns1123Label.default('default'),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  generateName: anything,
  uid: anything,
  resourceVersion: anything,
  generation: anything,
  creationTimestamp: anything,
  deletionTimestamp: anything,
  deletionGracePeriodSeconds: anything,
  finalizers: anything,
  ownerReferences: anything,
  managedFields: anything,
  selfLink: anything,
}, 'an object');

export const tcpshiftResourceSchema = strictObject({
  apiVersion: z.literal(TCPSHIFT_API_VERSION, { error: `must be ${TCPSHIFT_API_VERSION}` }),
  kind: z.literal(TCPSHIFT_KIND, { error: `must be ${TCPSHIFT_KIND}` }),
  metadata,
  spec: tcpshiftSpecSchema,
  status: anything,
}, 'a TCPShift document');

/** The resource as written (durations as strings), after defaults. */
export type TCPShiftResource = z.output<typeof tcpshiftResourceSchema>;
export type TCPShiftSpec = z.output<typeof tcpshiftSpecSchema>;
export type IstioShiftSpec = Extract<TCPShiftSpec, { provider: 'istio' }>;
export type GatewayApiShiftSpec = Extract<TCPShiftSpec, { provider: 'gateway-api' }>;
