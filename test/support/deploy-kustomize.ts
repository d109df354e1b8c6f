// The kustomize overlays as the objects `kubectl kustomize` renders (kubectl's built-in kustomize,
// so no separate binary), with typed views of the kinds the deploy tests look into.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { repoRoot } from './cli.js';
import { kubectlBinary } from './kube-kubectl.js';

export const OVERLAYS = ['dev', 'staging', 'prod', 'asm'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** Why overlay tests are skipped, or undefined when kubectl is there to render them. */
export const kustomizeSkipReason = kubectlBinary ? undefined : 'kubectl is not installed on this machine: the overlays cannot be rendered';

export function overlayDir(overlay: Overlay): string {
  return path.join(repoRoot, 'kustomize', 'overlays', overlay);
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}

export interface Probe {
  httpGet?: { path: string; port: number | string };
  periodSeconds?: number;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string } };
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  lifecycle?: { preStop?: { sleep?: { seconds: number }; exec?: unknown; httpGet?: unknown } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
}

export interface TopologySpreadConstraint {
  topologyKey: string;
  whenUnsatisfiable: string;
  labelSelector?: LabelSelector;
  matchLabelKeys?: string[];
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: TopologySpreadConstraint[];
  affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: Array<{ topologyKey: string; labelSelector?: LabelSelector }> } };
  volumes?: Array<{ name: string; emptyDir?: unknown }>;
}

export interface Deployment extends K8sObject {
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: { metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec };
  };
}

export interface Service extends K8sObject {
  spec: { selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string | number; appProtocol?: string }> };
}

export interface PodDisruptionBudget extends K8sObject {
  spec: { selector: LabelSelector; maxUnavailable?: number | string; minAvailable?: number | string };
}

/** The documents of a multi-document YAML text, as plain objects (empty documents dropped). */
export function yamlObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d): d is K8sObject => typeof d === 'object' && d !== null);
}

const runFile = promisify(execFile);
const rendered = new Map<Overlay, Promise<K8sObject[]>>();

/** `kubectl kustomize kustomize/overlays/<overlay>`, once per test file. */
export function renderOverlay(overlay: Overlay): Promise<K8sObject[]> {
  let objects = rendered.get(overlay);
  if (!objects) {
    if (!kubectlBinary) throw new Error(kustomizeSkipReason);
    objects = runFile(kubectlBinary, ['kustomize', overlayDir(overlay)], { maxBuffer: 16 * 1024 * 1024 }).then((r) => yamlObjects(r.stdout));
    rendered.set(overlay, objects);
  }
  return objects;
}

export function ofKind<T extends K8sObject = K8sObject>(objects: readonly K8sObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}

/** The one object of that kind and name; throws (naming what exists) when absent. */
export function theObject<T extends K8sObject = K8sObject>(objects: readonly K8sObject[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}; have ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found as T;
}

/** Every container of a pod spec, init containers included. */
export function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** The value of `--flag` in an argument list (`--flag value` or `--flag=value`). */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
}

/** Does a matchLabels selector select these labels? */
export function selects(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels?.[k] === v);
}
