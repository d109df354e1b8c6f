import type { Pod } from '../../kube/index.js';
import { NODE_NAME, POD_IP } from './pod-manifest.js';

/**
 * A container's environment as the kubelet builds it (pkg/kubelet/kubelet_pods.go, `makeEnvironmentVariables`):
 * `envFrom` first (ConfigMaps and Secrets, with their `prefix`), then `env` over it (literal
 * `value` with `$(VAR)` expanded from what is defined before it, `configMapKeyRef`/`secretKeyRef`,
 * and the downward API `fieldRef`s a sandbox pod has: metadata.name/namespace/labels[...]/
 * annotations[...], spec.nodeName/serviceAccountName, status.podIP/hostIP). A missing reference
 * that is not `optional` is the kubelet's CreateContainerConfigError. Not done: `resourceFieldRef`,
 * `metadata.uid` (the container starts while its object is created, before the uid exists),
 * the Service link variables (`<SERVICE>_PORT`, enableServiceLinks).
 */
export interface ConfigSources {
  /** The data of a ConfigMap (undefined: no such object). */
  configMap(namespace: string, name: string): Promise<Record<string, string> | undefined>;
  /** The decoded data of a Secret (undefined: no such object). */
  secret(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

/** The kubelet's CreateContainerConfigError: the message names what is missing. */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
}

type Raw = Record<string, unknown>;
const isRecord = (value: unknown): value is Raw => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): Raw[] => (Array.isArray(value) ? value.filter(isRecord) : []);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** `$(NAME)` replaced by a defined variable, `$$` an escaped `$`, an unknown reference kept as written (expansion.go). */
export function expandReferences(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (match, name: string | undefined) => {
    if (name === undefined) return '$';
    return env[name] ?? match;
  });
}

/** A downward API `fieldPath` of a pod running in the sandbox. */
export function downwardField(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata;
  const keyed = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(fieldPath);
  if (keyed) return (keyed[1] === 'labels' ? meta.labels : meta.annotations)?.[keyed[2] as string] ?? '';
  const fields: Record<string, string | undefined> = {
    'metadata.name': meta.name,
    'metadata.namespace': meta.namespace,
    'spec.nodeName': NODE_NAME,
    'spec.serviceAccountName': str(pod.spec?.serviceAccountName) || 'default',
    'status.podIP': POD_IP,
    'status.podIPs': POD_IP,
    'status.hostIP': POD_IP,
    'status.hostIPs': POD_IP,
  };
  if (!(fieldPath in fields)) throw new ContainerConfigError(`fieldRef ${fieldPath} is not supported (the sandbox has metadata.name, metadata.namespace, metadata.labels['KEY'], metadata.annotations['KEY'], spec.nodeName, spec.serviceAccountName, status.podIP, status.hostIP)`);
  return fields[fieldPath] ?? '';
}

async function sourceData(kind: 'configMap' | 'secret', ref: Raw, namespace: string, sources: ConfigSources): Promise<Record<string, string> | undefined> {
  const name = str(ref.name);
  const data = await sources[kind](namespace, name);
  if (data === undefined && ref.optional !== true) throw new ContainerConfigError(`${kind === 'configMap' ? 'configmap' : 'secret'} "${name}" not found`);
  return data;
}

async function keyRef(kind: 'configMap' | 'secret', ref: Raw, namespace: string, sources: ConfigSources): Promise<string | undefined> {
  const data = await sourceData(kind, ref, namespace, sources);
  const key = str(ref.key);
  const value = data?.[key];
  if (value === undefined && data !== undefined && ref.optional !== true) throw new ContainerConfigError(`couldn't find key ${key} in ${kind === 'configMap' ? 'ConfigMap' : 'Secret'} ${namespace}/${str(ref.name)}`);
  return value;
}

async function envFromEntries(container: Raw, namespace: string, sources: ConfigSources): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const entry of list(container.envFrom)) {
    const ref = isRecord(entry.configMapRef) ? (['configMap', entry.configMapRef] as const) : isRecord(entry.secretRef) ? (['secret', entry.secretRef] as const) : undefined;
    if (!ref) continue;
    const data = await sourceData(ref[0], ref[1], namespace, sources);
    for (const [key, value] of Object.entries(data ?? {})) env[`${str(entry.prefix)}${key}`] = value;
  }
  return env;
}

async function envValue(entry: Raw, pod: Pod, env: Record<string, string>, sources: ConfigSources): Promise<string | undefined> {
  if (!isRecord(entry.valueFrom)) return expandReferences(str(entry.value), env);
  const from = entry.valueFrom;
  const namespace = pod.metadata.namespace ?? 'default';
  if (isRecord(from.fieldRef)) return downwardField(pod, str(from.fieldRef.fieldPath));
  if (isRecord(from.configMapKeyRef)) return keyRef('configMap', from.configMapKeyRef, namespace, sources);
  if (isRecord(from.secretKeyRef)) return keyRef('secret', from.secretKeyRef, namespace, sources);
  throw new ContainerConfigError(`env ${str(entry.name)}: only value, fieldRef, configMapKeyRef and secretKeyRef are supported in the sandbox`);
}

export async function containerEnv(pod: Pod, container: Raw, sources: ConfigSources): Promise<Record<string, string>> {
  const env = await envFromEntries(container, pod.metadata.namespace ?? 'default', sources);
  for (const entry of list(container.env)) {
    const value = await envValue(entry, pod, env, sources);
    if (value !== undefined) env[str(entry.name)] = value;
  }
  return env;
}
