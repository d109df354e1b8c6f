// The controller's RBAC: manifests/controller/rbac.yaml grants exactly the contract (the verbs
// and resources the controller uses: issue 8, the pre-flight's reads of issue 12, and nothing
// unused: issue 19), nothing by wildcard, and every overlay ships it
// unchanged, bound to the ServiceAccount the controller actually runs as.
import { describe, expect, it } from 'vitest';
import { OVERLAYS, kustomizeSkipReason, ofKind, renderOverlay, theObject, type Deployment, type K8sObject } from '../support/deploy-kustomize.js';
import {
  CONTROLLER_SERVICE_ACCOUNT,
  controllerPermissions,
  permissionKey,
  permissionsOf,
  permits,
  rbacObjects,
  type BindingObject,
  type Permission,
  type RoleObject,
} from '../support/deploy-rbac.js';

const LEASE_NAMESPACE = 'tcpshift-system';

/** The contract, as written in the issue: [group, resource, verbs], cluster-wide unless namespaced. */
const CLUSTER_CONTRACT: Array<[string, string, string[]]> = [
  ['tcpshift.io', 'tcpshifts', ['get', 'list', 'watch', 'patch']],
  ['tcpshift.io', 'tcpshifts/status', ['update']],
  ['networking.istio.io', 'virtualservices', ['get', 'patch']],
  ['gateway.networking.k8s.io', 'tcproutes', ['get', 'patch']],
  // Strategy locality writes the DestinationRule's distribute (issue 14); the pre-flight reads it (issue 12).
  ['networking.istio.io', 'destinationrules', ['get', 'patch']],
  ['networking.istio.io', 'gateways', ['get']],
  ['gateway.networking.k8s.io', 'gateways', ['get']],
  ['', 'services', ['get']],
  ['', 'pods', ['list']],
  ['', 'events', ['create', 'patch']],
  // A webhook's signing key (spec.webhooks[].secret.secretRef, issue 18): get only, never list or watch.
  ['', 'secrets', ['get']],
];
const LEASE_CONTRACT: Array<[string, string, string[]]> = [['coordination.k8s.io', 'leases', ['get', 'create', 'update']]];

function contract(): Permission[] {
  const expand = (rows: typeof CLUSTER_CONTRACT, namespace?: string): Permission[] =>
    rows.flatMap(([group, resource, verbs]) => verbs.map((verb) => ({ group, resource, verb, ...(namespace ? { namespace } : {}) })));
  return [...expand(CLUSTER_CONTRACT), ...expand(LEASE_CONTRACT, LEASE_NAMESPACE)];
}

const keys = (permissions: readonly Permission[]): string[] => [...new Set(permissions.map(permissionKey))].sort();

const roles = (objects: readonly K8sObject[]): RoleObject[] => objects.filter((o): o is RoleObject => o.kind === 'Role' || o.kind === 'ClusterRole');
const bindings = (objects: readonly K8sObject[]): BindingObject[] => objects.filter((o): o is BindingObject => o.kind.endsWith('Binding'));

describe('controller RBAC (manifests/controller/rbac.yaml)', () => {
  it('grants exactly the contract: nothing missing, nothing more', () => {
    expect(keys(controllerPermissions())).toEqual(keys(contract()));
  });

  it('has no wildcard, no non-resource URL, no resourceNames and no privilege-escalation verb', () => {
    for (const role of roles(rbacObjects())) {
      for (const rule of role.rules ?? []) {
        const values = [...(rule.apiGroups ?? []), ...(rule.resources ?? []), ...rule.verbs, ...(rule.resourceNames ?? [])];
        expect(values, `${role.kind} ${role.metadata.name}`).not.toContain('*');
        expect(values.some((v) => v.includes('*')), `${role.kind} ${role.metadata.name}: ${values.join(' ')}`).toBe(false);
        expect(rule.nonResourceURLs).toBeUndefined();
        for (const verb of ['escalate', 'bind', 'impersonate', 'deletecollection']) expect(rule.verbs).not.toContain(verb);
      }
    }
  });

  it('binds every role it defines to the controller ServiceAccount; leases only in the controller namespace', () => {
    const objects = rbacObjects();
    for (const role of roles(objects)) {
      const bound = bindings(objects).filter((b) => b.roleRef.kind === role.kind && b.roleRef.name === role.metadata.name);
      expect(bound.map((b) => b.subjects), `${role.kind} ${role.metadata.name}`).toEqual([[{ kind: 'ServiceAccount', ...CONTROLLER_SERVICE_ACCOUNT }]]);
    }
    const leaseRules = controllerPermissions().filter((p) => p.resource === 'leases');
    expect(new Set(leaseRules.map((p) => p.namespace))).toEqual(new Set([LEASE_NAMESPACE]));
  });

  it('permits(): a request is allowed only by a matching verb, group, resource and namespace', () => {
    const granted = controllerPermissions();
    expect(permits(granted, { verb: 'patch', group: 'networking.istio.io', resource: 'virtualservices', namespace: 'echo' })).toBe(true);
    expect(permits(granted, { verb: 'update', group: 'tcpshift.io', resource: 'tcpshifts', subresource: 'status', namespace: 'echo' })).toBe(true);
    expect(permits(granted, { verb: 'patch', group: 'tcpshift.io', resource: 'tcpshifts', subresource: 'status', namespace: 'echo' })).toBe(false);
    expect(permits(granted, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: LEASE_NAMESPACE })).toBe(true);
    expect(permits(granted, { verb: 'update', group: 'coordination.k8s.io', resource: 'leases', namespace: 'echo' })).toBe(false);
    expect(permits(granted, { verb: 'delete', group: 'networking.istio.io', resource: 'virtualservices', namespace: 'echo' })).toBe(false);
    expect(permits(granted, { verb: 'update', group: 'networking.istio.io', resource: 'virtualservices', namespace: 'echo' })).toBe(false);
    expect(permits(granted, { verb: 'get', group: '', resource: 'secrets', namespace: 'echo' })).toBe(true);
    expect(permits(granted, { verb: 'list', group: '', resource: 'secrets', namespace: 'echo' })).toBe(false);
    expect(permits(granted, { verb: 'watch', group: '', resource: 'secrets', namespace: 'echo' })).toBe(false);
    expect(permits(granted, { verb: 'create', group: '', resource: 'events', namespace: 'echo' })).toBe(true);
  });
});

if (kustomizeSkipReason) console.log(`overlay RBAC tests skipped: ${kustomizeSkipReason}`);

describe.skipIf(kustomizeSkipReason !== undefined)('controller RBAC in every overlay', () => {
  it.each(OVERLAYS)('%s: the same rules, bound to the ServiceAccount the controller Deployment runs as', async (overlay) => {
    const objects = await renderOverlay(overlay);
    expect(keys(permissionsOf(objects))).toEqual(keys(controllerPermissions()));
    const controller = theObject<Deployment>(objects, 'Deployment', 'tcpshift-controller');
    expect(controller.metadata.namespace).toBe(CONTROLLER_SERVICE_ACCOUNT.namespace);
    expect(controller.spec.template.spec.serviceAccountName).toBe(CONTROLLER_SERVICE_ACCOUNT.name);
    const sa = theObject(objects, 'ServiceAccount', CONTROLLER_SERVICE_ACCOUNT.name);
    expect(sa.metadata.namespace).toBe(CONTROLLER_SERVICE_ACCOUNT.namespace);
    expect(ofKind(objects, 'ClusterRole').map((r) => r.metadata.name)).toEqual(['tcpshift-controller']);
  });
});
