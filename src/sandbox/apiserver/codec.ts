import { storageVersion, type ResourceView } from './resource-def.js';
import { apiVersionOf, type KubeObject } from './types.js';

/**
 * Between the stored form and a served version's wire form. Custom resources use conversion
 * strategy None (only apiVersion changes, as the real server does for `strategy: None`);
 * events.k8s.io Events are renamed field by field from the core Events they are stored as;
 * autoscaling/v1 HPAs are converted from and to the autoscaling/v2 storage form (hpa-codec.ts).
 */
export function viewApiVersion(view: ResourceView): string {
  return apiVersionOf(view.def.group, view.version.name);
}

export function encode(view: ResourceView, stored: KubeObject): KubeObject {
  const codec = view.version.codec ?? view.def.sharedStorage?.codec;
  if (codec) return codec.fromStorage(stored);
  const apiVersion = viewApiVersion(view);
  return stored.apiVersion === apiVersion ? stored : { ...stored, apiVersion };
}

export function decode(view: ResourceView, wire: KubeObject): KubeObject {
  const codec = view.version.codec ?? view.def.sharedStorage?.codec;
  if (codec) return codec.toStorage(wire);
  return { ...wire, apiVersion: apiVersionOf(view.def.group, storageVersion(view.def).name), kind: view.def.kind };
}
