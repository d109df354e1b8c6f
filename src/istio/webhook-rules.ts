import { formatPath, showValue, type PathSegment, type SpecIssue } from '../spec/issues.js';
import { isDns1123Label, ISTIO_GATEWAY_REF } from '../spec/names.js';
import { isPlainObject } from '../spec/strict-object.js';
import { MESH_GATEWAY } from './gateway-refs.js';

/**
 * istiod's validating webhook rules for a VirtualService (pilot/pkg/config/validation), the
 * subset that matters for weighted routes. The CRD schema does not check them and ASM's managed
 * control plane may not run the webhook, so tcpshift checks a VirtualService before writing it.
 */
const WILDCARD_DOMAIN = /^(\*|(\*\.)?[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*)$/;

type Issues = SpecIssue[];

function issue(out: Issues, path: readonly PathSegment[], message: string): void {
  out.push({ path: formatPath(path), message });
}

function checkPort(out: Issues, path: readonly PathSegment[], port: unknown): void {
  if (port !== undefined && !(Number.isInteger(port) && (port as number) >= 1 && (port as number) <= 65535)) {
    issue(out, path, `port number ${showValue(port)} must be in the range 1..65535`);
  }
}

function checkDestination(out: Issues, path: readonly PathSegment[], destination: unknown): void {
  if (!isPlainObject(destination)) return issue(out, path, 'destination is required');
  const { host, subset, port } = destination;
  if (typeof host !== 'string' || host === '') issue(out, [...path, 'host'], 'destination host is required');
  else if (host === '*') issue(out, [...path, 'host'], 'invalid destination host *');
  else if (!WILDCARD_DOMAIN.test(host) || host.length > 255) issue(out, [...path, 'host'], `invalid destination host ${host}: must be a (wildcard) domain name`);
  if (subset !== undefined && (typeof subset !== 'string' || !isDns1123Label(subset))) {
    issue(out, [...path, 'subset'], `subset name is invalid: ${showValue(subset)} (must be a DNS-1123 label)`);
  }
  if (port !== undefined) checkPort(out, [...path, 'port', 'number'], isPlainObject(port) ? port.number : port);
}

/** validateRouteDestinations: weights >= 0, and several destinations may not all weigh 0. */
function checkRouteDestinations(out: Issues, path: readonly PathSegment[], route: unknown[]): void {
  let total = 0;
  route.forEach((entry, i) => {
    if (!isPlainObject(entry)) return issue(out, [...path, i], 'weight may not be nil');
    checkDestination(out, [...path, i, 'destination'], entry.destination);
    const weight = entry.weight ?? 0;
    if (typeof weight !== 'number' || !Number.isInteger(weight)) issue(out, [...path, i, 'weight'], `weight ${showValue(weight)} must be an integer`);
    else if (weight < 0) issue(out, [...path, i, 'weight'], `weight ${weight} < 0`);
    else total += weight;
  });
  if (route.length > 1 && total === 0) issue(out, path, 'total destination weight = 0');
}

function checkGatewayNames(out: Issues, path: readonly PathSegment[], gateways: unknown): void {
  if (gateways === undefined) return;
  if (!Array.isArray(gateways)) return issue(out, path, 'gateways must be a list');
  gateways.forEach((g, i) => {
    if (typeof g !== 'string' || !(g === MESH_GATEWAY || ISTIO_GATEWAY_REF.test(g))) issue(out, [...path, i], `invalid gateway name ${showValue(g)}`);
  });
}

function checkL4Routes(out: Issues, kind: 'tcp' | 'tls', routes: unknown[]): void {
  routes.forEach((route, i) => {
    const path = ['spec', kind, i];
    if (!isPlainObject(route)) return issue(out, path, `${kind} route must be an object`);
    const matches = Array.isArray(route.match) ? (route.match as unknown[]) : [];
    matches.forEach((m, j) => {
      if (!isPlainObject(m)) return issue(out, [...path, 'match', j], `${kind} match may not be nil`);
      checkPort(out, [...path, 'match', j, 'port'], m.port);
      checkGatewayNames(out, [...path, 'match', j, 'gateways'], m.gateways);
    });
    if (!Array.isArray(route.route) || route.route.length === 0) return issue(out, [...path, 'route'], `${kind.toUpperCase()} route is required`);
    checkRouteDestinations(out, [...path, 'route'], route.route as unknown[]);
  });
}

function checkHttpRoutes(out: Issues, routes: unknown[]): void {
  routes.forEach((route, i) => {
    if (isPlainObject(route) && Array.isArray(route.route)) checkRouteDestinations(out, ['spec', 'http', i, 'route'], route.route as unknown[]);
  });
}

function checkHosts(out: Issues, spec: Record<string, unknown>): void {
  const hosts = spec.hosts;
  if (!Array.isArray(hosts) || hosts.length === 0) return issue(out, ['spec', 'hosts'], 'virtual service must have at least one host');
  const gateways = Array.isArray(spec.gateways) && spec.gateways.length > 0 ? (spec.gateways as unknown[]) : [MESH_GATEWAY];
  hosts.forEach((h, i) => {
    if (typeof h !== 'string' || h === '') issue(out, ['spec', 'hosts', i], 'host may not be empty');
    else if (h === '*' && gateways.includes(MESH_GATEWAY)) {
      issue(out, ['spec', 'hosts', i], 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
    }
  });
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Every webhook rule violation of a whole VirtualService, with the field path of each. */
export function validateVirtualService(vs: unknown): SpecIssue[] {
  const out: Issues = [];
  if (!isPlainObject(vs) || !isPlainObject(vs.spec)) return [{ path: 'spec', message: 'a VirtualService needs a spec' }];
  const spec = vs.spec;
  checkHosts(out, spec);
  checkGatewayNames(out, ['spec', 'gateways'], spec.gateways);
  const [http, tls, tcp] = [list(spec.http), list(spec.tls), list(spec.tcp)];
  if (http.length + tls.length + tcp.length === 0) issue(out, ['spec'], 'http, tcp or tls must be provided in virtual service');
  checkHttpRoutes(out, http);
  checkL4Routes(out, 'tls', tls);
  checkL4Routes(out, 'tcp', tcp);
  return out;
}
