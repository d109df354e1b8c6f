import { applyJsonPatch, applyMergePatch, JsonPatchError, type JsonPatchOp } from '../../util/json-patch.js';
import { errors } from './api-error.js';
import { applyConfiguration } from './apply-patch.js';
import type { ResourceView } from './resource-def.js';
import { strategicMerge } from './strategic-merge.js';
import { isRecord, type KubeObject } from './types.js';

/** The four patch types of the API, applied to the object as the client's version shows it. */
export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const patchContentTypes: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

function isPatchOp(op: unknown): op is JsonPatchOp {
  return isRecord(op) && typeof op.op === 'string' && typeof op.path === 'string';
}

function jsonPatch(current: KubeObject, body: unknown): KubeObject {
  if (!Array.isArray(body) || !body.every(isPatchOp)) {
    throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  }
  try {
    return applyJsonPatch(current, body);
  } catch (e) {
    if (e instanceof JsonPatchError) throw errors.patchNotApplicable();
    throw e;
  }
}

export function applyPatch(view: ResourceView, type: PatchType, current: KubeObject, body: unknown, previouslyApplied?: KubeObject): KubeObject {
  switch (type) {
    case 'json':
      return jsonPatch(current, body);
    case 'merge':
      if (!isRecord(body)) throw errors.badRequest('error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}');
      return applyMergePatch(current, body);
    case 'strategic':
      if (view.def.custom) {
        throw errors.unsupportedMediaType('application/strategic-merge-patch+json');
      }
      if (!isRecord(body)) throw errors.badRequest('error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}');
      return strategicMerge(current, body) as KubeObject;
    case 'apply':
      if (!isRecord(body)) throw errors.badRequest('error decoding YAML: the applied configuration must be an object');
      return applyConfiguration(current, body, previouslyApplied) as KubeObject;
  }
}
