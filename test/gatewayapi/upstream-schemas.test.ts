import { describe, expect, it } from 'vitest';
import { renderTcpRoute } from '../../src/gatewayapi/render.js';
import { GATEWAY_API_VERSIONS } from '../../src/spec/tcpshift-schema.js';
import { shippedCrdValidator } from '../../src/spec/crd-validator.js';
import { withChanges } from '../spec/examples.js';
import { gatewayApiShift } from './shifts.js';

// Every rendered TCPRoute against the upstream Gateway API CRD (schemas/gateway-api-tcproutes.yaml),
// in the version it declares.
const validators = Object.fromEntries(
  GATEWAY_API_VERSIONS.map((apiVersion) => [apiVersion, shippedCrdValidator('gateway-api-tcproutes.yaml', 'TCPRoute', apiVersion.split('/')[1]!)]),
);

const VARIANTS: Array<[string, Record<string, unknown>]> = [
  ['the example', {}],
  ['a Gateway in another namespace', { 'spec.target.gateway': { name: 'shared', namespace: 'infra' } }],
  ['without a section name', { 'spec.target.gateway': { name: 'gw' } }],
];

describe('rendered TCPRoutes against the upstream CRD schema', () => {
  for (const apiVersion of GATEWAY_API_VERSIONS) {
    it.each(VARIANTS)(`${apiVersion}, %s: validates at every weight 0..100`, (_name, changes) => {
      const shift = gatewayApiShift({ ...changes, 'spec.target.apiVersion': apiVersion });
      for (let weight = 0; weight <= 100; weight++) {
        const route = renderTcpRoute(shift, weight);
        expect(route.apiVersion).toBe(apiVersion);
        expect({ weight, issues: validators[apiVersion]!(route) }).toEqual({ weight, issues: [] });
      }
    });
  }

  it('the validator catches what the upstream schema forbids', () => {
    const route = withChanges(renderTcpRoute(gatewayApiShift(), 20), { 'spec.rules.0.backendRefs.0.weight': 1_000_001, 'spec.rules.0.backendRefs.1.prot': 1 });
    expect(validators['gateway.networking.k8s.io/v1alpha2']!(route).map((i) => i.path).sort()).toEqual([
      'spec.rules[0].backendRefs[0].weight',
      'spec.rules[0].backendRefs[1].prot',
    ]);
  });
});
