/**
 * The Kubernetes objects tcpshift reads and writes, as plain JSON (what the API sends; no class
 * instances, timestamps stay strings). Only the fields tcpshift uses are typed; every object keeps
 * the fields it does not know (index signatures), so a read-modify-write never drops them.
 */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface ObjectList<T extends KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  items: T[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

// networking.istio.io/v1
export interface IstioDestination {
  host: string;
  subset?: string;
  port?: { number?: number };
  [key: string]: unknown;
}

export interface IstioTcpRoute {
  match?: Array<{ port?: number; gateways?: string[]; [key: string]: unknown }>;
  route?: Array<{ destination: IstioDestination; weight?: number; [key: string]: unknown }>;
  [key: string]: unknown;
}

export interface VirtualService extends KubeObject {
  spec: { hosts?: string[]; gateways?: string[]; tcp?: IstioTcpRoute[]; [key: string]: unknown };
}

export interface DestinationRule extends KubeObject {
  spec: { host: string; subsets?: Array<{ name: string; labels?: Record<string, string>; [key: string]: unknown }>; [key: string]: unknown };
}

export interface IstioGateway extends KubeObject {
  spec: {
    selector?: Record<string, string>;
    servers?: Array<{ port: { number: number; name?: string; protocol: string }; hosts: string[]; [key: string]: unknown }>;
    [key: string]: unknown;
  };
}

// gateway.networking.k8s.io
export interface BackendRef {
  name: string;
  namespace?: string;
  port?: number;
  weight?: number;
  group?: string;
  kind?: string;
  [key: string]: unknown;
}

export interface TCPRoute extends KubeObject {
  spec: {
    parentRefs?: Array<{ name: string; namespace?: string; sectionName?: string; port?: number; [key: string]: unknown }>;
    rules?: Array<{ backendRefs?: BackendRef[]; [key: string]: unknown }>;
    [key: string]: unknown;
  };
  status?: Record<string, unknown>;
}

// tcpshift.io/v1alpha1: spec and status are typed by src/spec; here they stay open.
export interface TCPShift<Spec = Record<string, unknown>, Status = Record<string, unknown>> extends KubeObject {
  spec: Spec;
  status?: Status;
}

// core/v1
export interface Namespace extends KubeObject {
  status?: { phase?: 'Active' | 'Terminating' };
}

export interface Pod extends KubeObject {
  spec?: { containers?: Array<{ name: string; image?: string; [key: string]: unknown }>; [key: string]: unknown };
  status?: { phase?: string; podIP?: string; conditions?: Condition[]; [key: string]: unknown };
}

export interface Service extends KubeObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    selector?: Record<string, string>;
    ports?: Array<{ name?: string; port: number; targetPort?: number | string; protocol?: string; nodePort?: number }>;
    [key: string]: unknown;
  };
}

/** A core/v1 Secret: `data` values are base64 (what the API returns; `stringData` is write-only). */
export interface Secret extends KubeObject {
  data?: Record<string, string>;
  type?: string;
}

export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** core/v1 Event (the one with count and lastTimestamp that client-go's recorder aggregates). */
export interface CoreEvent extends KubeObject {
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  type?: 'Normal' | 'Warning';
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string | null;
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

// coordination.k8s.io/v1
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  /** MicroTime: RFC 3339 with exactly six fractional digits. */
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}
