import type { ApiCore } from './api-core.js';
import { CRD_GROUP, CRD_PLURAL, crdResourceDef, establishCrd, resourceDefFromCrd, validateCrd, validateCrdUpdate } from './crd-resources.js';
import { rfc3339 } from './object-meta.js';
import type { Clock } from '../../util/clock.js';
import { isRecord } from './types.js';

/**
 * Makes CRDs live: creating or updating one serves its resource (discoverable, validated against
 * its schema); deleting one removes every custom object of it (DELETED events) and stops serving
 * it. The real server does the removal through a finalizer and a controller; here it is immediate.
 */
export function enableCustomResources(core: ApiCore, clock: Clock): void {
  core.registry.define(crdResourceDef());
  core.addHooks(CRD_GROUP, CRD_PLURAL, {
    validate: (next, previous) => [...validateCrd(next), ...(previous ? validateCrdUpdate(next, previous) : [])],
    prepare: (next) => establishCrd(next, rfc3339(clock.now())),
    committed: (object, removed) => {
      if (!removed) {
        core.registry.define(resourceDefFromCrd(object));
        return;
      }
      const spec = isRecord(object.spec) ? object.spec : {};
      const names = isRecord(spec.names) ? spec.names : {};
      core.dropCustomResource(String(spec.group), String(names.plural));
    },
  });
}
