import type { ResourceView } from './resource-def.js';
import type { ResourceRegistry, ServedGroup } from './resource-registry.js';
import { apiVersionOf } from './types.js';

/**
 * Discovery documents in both forms clients use: the legacy ones (/api, /apis, /apis/{g},
 * /apis/{g}/{v}: APIVersions, APIGroupList, APIGroup, APIResourceList) and aggregated discovery
 * (apidiscovery.k8s.io/v2 APIGroupDiscoveryList for /api and /apis), which kubectl asks for first.
 */
const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

const groupVersion = (group: string, version: string): { groupVersion: string; version: string } => ({
  groupVersion: apiVersionOf(group, version),
  version,
});

function apiGroup(g: ServedGroup): Record<string, unknown> {
  return {
    name: g.name,
    versions: g.versions.map((v) => groupVersion(g.name, v)),
    preferredVersion: groupVersion(g.name, g.versions[0] as string),
  };
}

export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(registry: ResourceRegistry): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: registry.groups().filter((g) => g.name !== '').map(apiGroup) };
}

export function apiGroupDoc(registry: ResourceRegistry, name: string): Record<string, unknown> | undefined {
  const g = registry.groups().find((x) => x.name === name && name !== '');
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

function legacyResources(view: ResourceView): Array<Record<string, unknown>> {
  const { def } = view;
  const main: Record<string, unknown> = {
    name: def.plural,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: VERBS,
    ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
    ...(def.categories.length ? { categories: def.categories } : {}),
  };
  const status = { name: `${def.plural}/status`, singularName: '', namespaced: def.namespaced, kind: def.kind, verbs: STATUS_VERBS };
  return view.version.statusSubresource ? [main, status] : [main];
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): Record<string, unknown> | undefined {
  const views = registry.resourcesAt(group, version);
  if (views.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources: views.flatMap(legacyResources) };
}

function discoveryResource(view: ResourceView): Record<string, unknown> {
  const { def, version } = view;
  const responseKind = { group: def.group, version: version.name, kind: def.kind };
  return {
    resource: def.plural,
    responseKind,
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: VERBS,
    ...(def.shortNames.length ? { shortNames: def.shortNames } : {}),
    ...(def.categories.length ? { categories: def.categories } : {}),
    ...(version.statusSubresource ? { subresources: [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }] } : {}),
  };
}

/** Aggregated discovery: every group (core only for /api, the others for /apis) with all its resources. */
export function groupDiscoveryList(registry: ResourceRegistry, which: 'api' | 'apis', apiVersion: string): Record<string, unknown> {
  const groups = registry.groups().filter((g) => (which === 'api' ? g.name === '' : g.name !== ''));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: registry
          .resourcesAt(g.name, v)
          .sort((a, b) => a.def.plural.localeCompare(b.def.plural))
          .map(discoveryResource),
        freshness: 'Current',
      })),
    })),
  };
}
