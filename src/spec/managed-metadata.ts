import type { ResolvedShift } from './resolved-shift.js';

/** Label on every object tcpshift renders, and the annotation naming the shift it came from. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'tcpshift';
export const SHIFT_ANNOTATION = 'tcpshift.io/shift';

// A type alias (not an interface) so it is assignable to ObjectMeta-like index signatures.
export type RenderedMetadata = {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
};

/** Metadata of an object rendered for `shift` (namespace defaults to the shift's). */
export function renderedMetadata(shift: ResolvedShift, name: string, namespace = shift.namespace): RenderedMetadata {
  return {
    name,
    namespace,
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    annotations: { [SHIFT_ANNOTATION]: `${shift.namespace}/${shift.name}` },
  };
}
