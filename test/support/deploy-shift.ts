// The TCPShift an overlay ships, parsed by tcpshift's own parser (the one the CLI and the
// controller use), and the CRD schema validator generated from the same zod schema.
import { readFileSync } from 'node:fs';
import { openApiSchemaOf, openApiValidator, parseCrds, type CrdObjectValidator } from '../../src/spec/crd-validator.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import { CRD_PATH } from '../../src/spec/tcpshift-crd.js';
import { TCPSHIFT_KIND, TCPSHIFT_VERSION } from '../../src/spec/tcpshift-schema.js';
import type { IstioShift } from '../../src/istio/render.js';
import { packagePath } from '../../src/util/package-root.js';
import { theObject, type K8sObject } from './deploy-kustomize.js';

export const SAMPLE_SHIFT_NAME = 'echo';

/** Validator of the committed CRD file (manifests/crd), the one the cluster gets. */
export function tcpshiftCrdValidator(): CrdObjectValidator {
  const crds = parseCrds(readFileSync(packagePath(...CRD_PATH), 'utf8'));
  return openApiValidator(openApiSchemaOf(crds, TCPSHIFT_KIND, TCPSHIFT_VERSION));
}

/** The overlay's TCPShift, resolved; throws with the parser's issues when it does not parse. */
export function sampleShift(objects: readonly K8sObject[]): { object: K8sObject; shift: IstioShift } {
  const object = theObject(objects, TCPSHIFT_KIND, SAMPLE_SHIFT_NAME);
  const parsed = parseTCPShiftObject(object);
  if (!parsed.ok) throw new Error(`TCPShift ${SAMPLE_SHIFT_NAME} does not parse: ${JSON.stringify(parsed.issues)}`);
  if (parsed.shift.spec.provider !== 'istio') throw new Error('the sample TCPShift is expected to use provider istio');
  return { object, shift: parsed.shift as IstioShift };
}
