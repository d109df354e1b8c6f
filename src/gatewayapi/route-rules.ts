import { formatPath, showValue, type PathSegment, type SpecIssue } from '../spec/issues.js';
import { isPlainObject } from '../spec/strict-object.js';
import { DEFAULT_BACKEND_WEIGHT, MAX_BACKEND_REFS, MAX_BACKEND_WEIGHT } from './types.js';

/**
 * The rules a TCPRoute's backendRefs must follow before tcpshift writes it: the CRD's limits
 * (1..16 backendRefs, weights 0..1,000,000, a port for a Service) plus tcpshift's own: the
 * weights of a rule may not all be 0 (every connection would be refused).
 */
function checkBackendRefs(out: SpecIssue[], path: PathSegment[], refs: unknown): void {
  if (!Array.isArray(refs) || refs.length === 0) return void out.push({ path: formatPath(path), message: 'at least one backendRef is required' });
  if (refs.length > MAX_BACKEND_REFS) out.push({ path: formatPath(path), message: `at most ${MAX_BACKEND_REFS} backendRefs are allowed` });
  let total = 0;
  refs.forEach((ref, i) => {
    const at = (...more: PathSegment[]): string => formatPath([...path, i, ...more]);
    if (!isPlainObject(ref) || typeof ref.name !== 'string' || ref.name === '') return void out.push({ path: at('name'), message: 'backendRef name is required' });
    const isService = (ref.group ?? '') === '' && (ref.kind ?? 'Service') === 'Service';
    if (isService && ref.port === undefined) out.push({ path: at('port'), message: 'Must have port for Service reference' });
    const weight = ref.weight ?? DEFAULT_BACKEND_WEIGHT;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > MAX_BACKEND_WEIGHT) {
      out.push({ path: at('weight'), message: `weight ${showValue(weight)} must be an integer in 0..${MAX_BACKEND_WEIGHT}` });
    } else total += weight;
  });
  if (total === 0) out.push({ path: formatPath(path), message: 'the weights sum to 0: every connection would be refused' });
}

/** Every violation in a whole TCPRoute, with field paths. */
export function validateTcpRoute(route: unknown): SpecIssue[] {
  if (!isPlainObject(route) || !isPlainObject(route.spec)) return [{ path: 'spec', message: 'a TCPRoute needs a spec' }];
  const rules = route.spec.rules;
  if (!Array.isArray(rules) || rules.length === 0) return [{ path: 'spec.rules', message: 'at least one rule is required' }];
  const out: SpecIssue[] = [];
  rules.forEach((rule, i) => checkBackendRefs(out, ['spec', 'rules', i, 'backendRefs'], isPlainObject(rule) ? rule.backendRefs : undefined));
  return out;
}
