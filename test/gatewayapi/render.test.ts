import { describe, expect, it } from 'vitest';
import { renderTcpRoute } from '../../src/gatewayapi/render.js';
import { validateTcpRoute } from '../../src/gatewayapi/route-rules.js';
import { readTcpRouteWeights } from '../../src/gatewayapi/weights.js';
import { gatewayApiShift } from './shifts.js';

describe('TCPRoute rendering', () => {
  it('renders one rule whose backendRefs split the two Services 100-W / W', () => {
    expect(renderTcpRoute(gatewayApiShift(), 20)).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1alpha2',
      kind: 'TCPRoute',
      metadata: {
        name: 'echo',
        namespace: 'echo',
        labels: { 'app.kubernetes.io/managed-by': 'tcpshift' },
        annotations: { 'tcpshift.io/shift': 'echo/echo' },
      },
      spec: {
        parentRefs: [{ name: 'echo-gateway', sectionName: 'tcp' }],
        rules: [
          {
            backendRefs: [
              { name: 'echo-v1', port: 9000, weight: 80 },
              { name: 'echo-v2', port: 9000, weight: 20 },
            ],
          },
        ],
      },
    });
  });

  it('names the Gateway namespace only when it differs, and renders the v1 API on request', () => {
    const other = renderTcpRoute(gatewayApiShift({ 'spec.target.gateway': { name: 'gw', namespace: 'infra' }, 'spec.target.apiVersion': 'gateway.networking.k8s.io/v1' }), 0);
    expect(other.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(other.spec.parentRefs).toEqual([{ name: 'gw', namespace: 'infra' }]);
    expect(renderTcpRoute(gatewayApiShift({ 'spec.target.gateway': { name: 'gw', namespace: 'echo' } }), 0).spec.parentRefs).toEqual([{ name: 'gw' }]);
  });

  it.each([0, 7, 50, 100])('reads back a canary share of W/100 at W=%i and passes the route rules', (weight) => {
    const route = { ...renderTcpRoute(gatewayApiShift(), weight) };
    route.metadata = { ...route.metadata, resourceVersion: '3' };
    expect(readTcpRouteWeights(route, gatewayApiShift().spec)).toEqual({ stable: 100 - weight, canary: weight, total: 100, share: weight / 100 });
    expect(validateTcpRoute(route)).toEqual([]);
  });
});
