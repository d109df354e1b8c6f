import { eventsV1Codec } from './event-codec.js';
import { hpaV1Codec } from './hpa-codec.js';
import type { ResourceDef, ResourceStrategy, TableColumn } from './resource-def.js';
import { ageColumn, ageOf, pathColumn } from './table.js';
import { isRecord, type KubeObject } from './types.js';

/**
 * The built-in kinds the project's manifests use. They are stored, listed and watched like the
 * real ones, with the server-set fields clients look at (a Service's clusterIP, a Namespace's
 * phase, a Pod's Pending phase), but nothing runs them: no scheduler, kubelet or controllers.
 */
interface BuiltinSpec {
  group?: string;
  version?: string;
  plural: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  generation?: boolean;
  columns?: TableColumn[];
  fieldLabels?: string[];
  strategy?: ResourceStrategy;
  sharedStorage?: ResourceDef['sharedStorage'];
}

function builtin(spec: BuiltinSpec): ResourceDef {
  return {
    group: spec.group ?? '',
    plural: spec.plural,
    singular: spec.kind.toLowerCase(),
    kind: spec.kind,
    listKind: `${spec.kind}List`,
    namespaced: spec.namespaced ?? true,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    versions: [{ name: spec.version ?? 'v1', served: true, storage: true, statusSubresource: spec.status ?? false, ...(spec.columns ? { columns: spec.columns } : {}) }],
    fieldLabels: spec.fieldLabels ?? [],
    tracksGeneration: spec.generation ?? false,
    allowUnconditionalUpdate: true,
    custom: false,
    ...(spec.strategy ? { strategy: spec.strategy } : {}),
    ...(spec.sharedStorage ? { sharedStorage: spec.sharedStorage } : {}),
  };
}

const record = (value: unknown): Record<string, unknown> => (isRecord(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const text = (value: unknown, fallback = ''): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : fallback);

function podReady(o: KubeObject): string {
  const containers = list(record(o.spec).containers);
  const statuses = list(record(o.status).containerStatuses);
  return `${statuses.filter((s) => record(s).ready === true).length}/${containers.length}`;
}

const containerStatuses = (o: KubeObject): Array<Record<string, unknown>> => list(record(o.status).containerStatuses).map(record);

/** kubectl's STATUS of a pod (pkg/printers/internalversion/printers.go `printPod`): a waiting or terminated reason over the phase. */
function podStatusReason(o: KubeObject): string {
  if (o.metadata.deletionTimestamp) return 'Terminating';
  let reason = text(record(o.status).reason) || text(record(o.status).phase);
  for (const status of containerStatuses(o)) {
    const state = record(status.state);
    const why = text(record(state.waiting).reason) || text(record(state.terminated).reason);
    if (why) reason = why;
  }
  return reason;
}

function podRestarts(o: KubeObject): string {
  return String(containerStatuses(o).reduce((sum, s) => sum + (typeof s.restartCount === 'number' ? s.restartCount : 0), 0));
}

function servicePorts(o: KubeObject): string {
  const ports = list(record(o.spec).ports).map((p) => `${text(record(p).port)}/${text(record(p).protocol, 'TCP')}`);
  return ports.length ? ports.join(',') : '<none>';
}

function eventObject(o: KubeObject): string {
  const ref = record(o.involvedObject);
  return `${text(ref.kind).toLowerCase()}/${text(ref.name)}`;
}

/** Sequential cluster IPs from 10.96.0.0/12, one allocator per server. */
function serviceStrategy(): ResourceStrategy {
  let next = 10;
  return {
    defaults(o) {
      const spec = record(o.spec);
      o.spec = spec;
      spec.type ??= 'ClusterIP';
      spec.sessionAffinity ??= 'None';
      spec.ports = list(spec.ports).map((p) => {
        const port = { ...record(p) };
        port.protocol ??= 'TCP';
        port.targetPort ??= port.port;
        return port;
      });
    },
    prepareCreate(o) {
      const spec = record(o.spec);
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
        const n = next++;
        spec.clusterIP = `10.96.${Math.floor(n / 256) % 256}.${n % 256}`;
        spec.clusterIPs = [spec.clusterIP];
      }
      o.status = { loadBalancer: {} };
    },
  };
}

const podStrategy: ResourceStrategy = {
  prepareCreate(o) {
    o.status = { phase: 'Pending', qosClass: 'BestEffort' };
  },
};

const namespaceStrategy: ResourceStrategy = {
  prepareCreate(o) {
    o.spec = { finalizers: ['kubernetes'] };
    o.status = { phase: 'Active' };
    o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name ?? '' };
  },
};

const eventFieldLabels = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

export function builtinResources(): ResourceDef[] {
  return [
    builtin({
      plural: 'namespaces',
      kind: 'Namespace',
      namespaced: false,
      shortNames: ['ns'],
      status: true,
      fieldLabels: ['status.phase'],
      columns: [pathColumn('Status', '.status.phase', 'string', { description: 'The status of the namespace' }), ageColumn],
      strategy: namespaceStrategy,
    }),
    builtin({
      plural: 'pods',
      kind: 'Pod',
      shortNames: ['po'],
      categories: ['all'],
      status: true,
      fieldLabels: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP'],
      columns: [
        { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.', priority: 0, cell: podReady },
        { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', priority: 0, cell: podStatusReason },
        { name: 'Restarts', type: 'string', description: 'The number of times the containers in this pod have been restarted.', priority: 0, cell: podRestarts },
        ageColumn,
        pathColumn('IP', '.status.podIP', 'string', { priority: 1, description: 'IP address allocated to the pod.' }),
        pathColumn('Node', '.spec.nodeName', 'string', { priority: 1, description: 'Name of the Node this pod is assigned to.' }),
      ],
      strategy: podStrategy,
    }),
    builtin({
      plural: 'services',
      kind: 'Service',
      shortNames: ['svc'],
      categories: ['all'],
      status: true,
      columns: [
        pathColumn('Type', '.spec.type', 'string', { description: 'The type of the service.' }),
        pathColumn('Cluster-IP', '.spec.clusterIP', 'string', { description: 'The IP address of the service.' }),
        { name: 'External-IP', type: 'string', description: 'The external IP address of the service.', priority: 0, cell: () => '<none>' },
        { name: 'Port(s)', type: 'string', description: 'The ports exposed by the service.', priority: 0, cell: servicePorts },
        ageColumn,
        pathColumn('Selector', '.spec.selector', 'string', { priority: 1, description: 'The label selector of the service.' }),
      ],
      strategy: serviceStrategy(),
    }),
    builtin({ plural: 'endpoints', kind: 'Endpoints', shortNames: ['ep'] }),
    builtin({ plural: 'serviceaccounts', kind: 'ServiceAccount', shortNames: ['sa'] }),
    builtin({ plural: 'configmaps', kind: 'ConfigMap', shortNames: ['cm'] }),
    builtin({ plural: 'secrets', kind: 'Secret', fieldLabels: ['type'] }),
    builtin({
      plural: 'events',
      kind: 'Event',
      shortNames: ['ev'],
      fieldLabels: eventFieldLabels,
      columns: [
        { name: 'Last Seen', type: 'string', description: 'Time since the event was last seen.', priority: 0, cell: (o, now) => ageOf(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp, now) },
        pathColumn('Type', '.type', 'string', { description: 'Type of this event.' }),
        pathColumn('Reason', '.reason', 'string', { description: 'Why the action was taken.' }),
        { name: 'Object', type: 'string', description: 'The object this event is about.', priority: 0, cell: eventObject },
        pathColumn('Message', '.message', 'string', { description: 'A human-readable description of the status of this operation.' }),
        pathColumn('Count', '.count', 'integer', { priority: 1, description: 'The number of times this event has occurred.' }),
      ],
    }),
    builtin({
      group: 'events.k8s.io',
      plural: 'events',
      kind: 'Event',
      shortNames: ['ev'],
      fieldLabels: ['regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid', 'reason', 'reportingController', 'type'],
      sharedStorage: { group: '', plural: 'events', codec: eventsV1Codec },
    }),
    builtin({
      group: 'apps',
      plural: 'deployments',
      kind: 'Deployment',
      shortNames: ['deploy'],
      categories: ['all'],
      status: true,
      generation: true,
      columns: [
        { name: 'Ready', type: 'string', description: 'Number of ready replicas.', priority: 0, cell: (o) => `${Number(record(o.status).readyReplicas ?? 0)}/${Number(record(o.spec).replicas ?? 1)}` },
        pathColumn('Up-to-date', '.status.updatedReplicas', 'integer', { description: 'Number of updated replicas.' }),
        pathColumn('Available', '.status.availableReplicas', 'integer', { description: 'Number of available replicas.' }),
        ageColumn,
      ],
    }),
    builtin({ group: 'policy', plural: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', shortNames: ['pdb'], status: true, generation: true }),
    builtin({ group: 'rbac.authorization.k8s.io', plural: 'roles', kind: 'Role' }),
    builtin({ group: 'rbac.authorization.k8s.io', plural: 'rolebindings', kind: 'RoleBinding' }),
    builtin({ group: 'rbac.authorization.k8s.io', plural: 'clusterroles', kind: 'ClusterRole', namespaced: false }),
    builtin({ group: 'rbac.authorization.k8s.io', plural: 'clusterrolebindings', kind: 'ClusterRoleBinding', namespaced: false }),
    builtin({
      group: 'coordination.k8s.io',
      plural: 'leases',
      kind: 'Lease',
      columns: [pathColumn('Holder', '.spec.holderIdentity', 'string', { description: 'The holder of the lease.' }), ageColumn],
    }),
    builtin({ group: 'discovery.k8s.io', plural: 'endpointslices', kind: 'EndpointSlice' }),
    horizontalPodAutoscalers(),
    builtin({ group: 'networking.k8s.io', plural: 'networkpolicies', kind: 'NetworkPolicy', shortNames: ['netpol'], generation: true }),
    builtin({ group: 'networking.k8s.io', plural: 'ingresses', kind: 'Ingress', shortNames: ['ing'], status: true, generation: true }),
    builtin({ group: 'networking.k8s.io', plural: 'ingressclasses', kind: 'IngressClass', namespaced: false, generation: true }),
    builtin({ group: 'batch', plural: 'jobs', kind: 'Job', categories: ['all'], status: true, generation: true }),
    builtin({ group: 'batch', plural: 'cronjobs', kind: 'CronJob', shortNames: ['cj'], categories: ['all'], status: true, generation: true }),
  ];
}

/** autoscaling/v2 (storage) and v1, converted (hpa-codec.ts). No controller scales anything. */
function horizontalPodAutoscalers(): ResourceDef {
  const def = builtin({ group: 'autoscaling', version: 'v2', plural: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', shortNames: ['hpa'], categories: ['all'], status: true, generation: true });
  const v2 = def.versions[0] as ResourceDef['versions'][number];
  return { ...def, versions: [v2, { ...v2, name: 'v1', storage: false, codec: hpaV1Codec }] };
}
