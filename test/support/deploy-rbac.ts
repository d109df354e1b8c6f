// The controller's permissions, read from their single source of truth,
// manifests/controller/rbac.yaml: the rules of every (Cluster)Role bound there to the controller's
// ServiceAccount, flattened to one entry per (scope, group, resource, verb). Controller tests can
// check each API request they see against `permits`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './cli.js';
import { yamlObjects, type K8sObject } from './deploy-kustomize.js';

export const RBAC_FILE = path.join(repoRoot, 'manifests', 'controller', 'rbac.yaml');
export const CONTROLLER_SERVICE_ACCOUNT = { name: 'tcpshift-controller', namespace: 'tcpshift-system' };

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RoleObject extends K8sObject {
  rules?: PolicyRule[];
}

export interface BindingObject extends K8sObject {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}

/** One allowed (verb, group, resource) pair; `namespace` is set for a Role's permissions. */
export interface Permission {
  namespace?: string;
  group: string;
  /** `plural` or `plural/subresource`. */
  resource: string;
  verb: string;
}

export function rbacObjects(text = readFileSync(RBAC_FILE, 'utf8')): K8sObject[] {
  return yamlObjects(text);
}

const isRole = (o: K8sObject): o is RoleObject => o.kind === 'Role' || o.kind === 'ClusterRole';
const isBinding = (o: K8sObject): o is BindingObject => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding';

function bindsServiceAccount(binding: BindingObject, sa: { name: string; namespace: string }): boolean {
  return (binding.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === sa.name && s.namespace === sa.namespace);
}

function flatten(rules: readonly PolicyRule[], namespace: string | undefined): Permission[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) => rule.verbs.map((verb) => ({ group, resource, verb, ...(namespace ? { namespace } : {}) }))),
    ),
  );
}

/**
 * What the ServiceAccount may do, from the roles bound to it among `objects`. A RoleBinding grants
 * its role's rules in the binding's namespace only (even for a ClusterRole), as Kubernetes does.
 */
export function permissionsOf(objects: readonly K8sObject[], sa = CONTROLLER_SERVICE_ACCOUNT): Permission[] {
  const roles = objects.filter(isRole);
  return objects
    .filter(isBinding)
    .filter((b) => bindsServiceAccount(b, sa))
    .flatMap((binding) => {
      const role = roles.find((r) => r.kind === binding.roleRef.kind && r.metadata.name === binding.roleRef.name && (r.kind === 'ClusterRole' || r.metadata.namespace === binding.metadata.namespace));
      if (!role) throw new Error(`${binding.kind} ${binding.metadata.name} refers to a missing ${binding.roleRef.kind} ${binding.roleRef.name}`);
      return flatten(role.rules ?? [], binding.kind === 'RoleBinding' ? binding.metadata.namespace : undefined);
    });
}

/** The controller's permissions as manifests/controller/rbac.yaml grants them. */
export function controllerPermissions(): Permission[] {
  return permissionsOf(rbacObjects());
}

export interface ApiRequest {
  verb: string;
  /** '' for the core group. */
  group: string;
  resource: string;
  subresource?: string;
  /** Absent for cluster-scoped requests. */
  namespace?: string;
}

/** Would Kubernetes RBAC allow this request with these permissions (no wildcards involved)? */
export function permits(permissions: readonly Permission[], request: ApiRequest): boolean {
  const resource = request.subresource ? `${request.resource}/${request.subresource}` : request.resource;
  return permissions.some(
    (p) => p.verb === request.verb && p.group === request.group && p.resource === resource && (p.namespace === undefined || p.namespace === request.namespace),
  );
}

/** A permission as one comparable line: `[namespace] group resource verb`. */
export function permissionKey(p: Permission): string {
  return `${p.namespace ?? '*'} ${p.group || 'core'} ${p.resource} ${p.verb}`;
}
