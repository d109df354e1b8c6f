import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderDestinationRule, renderGateways, renderIstioResources, renderVirtualService } from '../../src/istio/render.js';
import type { VirtualService } from '../../src/istio/types.js';
import { istioWeightPatch } from '../../src/istio/weight-patch.js';
import { readIstioWeights } from '../../src/istio/weights.js';
import { applyJsonPatch } from '../../src/util/json-patch.js';
import { routingMeaning } from './routing-meaning.js';
import { istioShift, tcpEchoShift } from './shifts.js';

function tcpEchoSample(file: string): unknown[] {
  const text = readFileSync(path.join(import.meta.dirname, 'fixtures', 'tcp-echo', file), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}

describe('Istio rendering', () => {
  it('renders the example: Gateway on matchPort, subsets by version label, a weighted tcp route', () => {
    const shift = istioShift();
    expect(renderGateways(shift)).toMatchObject([
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: 'echo-gateway', namespace: 'echo', labels: { 'app.kubernetes.io/managed-by': 'tcpshift' } },
        spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 31400, protocol: 'TCP' }, hosts: ['*'] }] },
      },
    ]);
    expect(renderDestinationRule(shift).spec).toEqual({
      host: 'echo.echo.svc.cluster.local',
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
    });
    expect(renderVirtualService(shift, 25).spec).toEqual({
      hosts: ['*'],
      gateways: ['echo-gateway'],
      tcp: [
        {
          match: [{ port: 31400 }],
          route: [
            { destination: { host: 'echo.echo.svc.cluster.local', subset: 'v1', port: { number: 9000 } }, weight: 75 },
            { destination: { host: 'echo.echo.svc.cluster.local', subset: 'v2', port: { number: 9000 } }, weight: 25 },
          ],
        },
      ],
    });
  });

  it.each([0, 1, 33, 50, 99, 100])('gives the canary a share of W/100 at W=%i', (weight) => {
    const vs = renderVirtualService(istioShift(), weight);
    vs.metadata.resourceVersion = '1';
    expect(readIstioWeights(vs, istioShift().spec)).toEqual({ stable: 100 - weight, canary: weight, total: 100, share: weight / 100 });
  });

  it('rejects a weight outside 0..100', () => {
    for (const weight of [-1, 101, 2.5, Number.NaN]) expect(() => renderVirtualService(istioShift(), weight)).toThrow(/integer in 0\.\.100/);
  });

  it('names <virtualService>-gateway when the spec names no gateway', () => {
    const shift = istioShift({ 'spec.target.gateways': undefined });
    expect(renderGateways(shift).map((g) => g.metadata.name)).toEqual(['echo-gateway']);
    expect(renderVirtualService(shift, 10).spec.gateways).toEqual(['echo-gateway']);
  });

  it('renders a Gateway per named gateway, in its namespace, and uses the host when bound to the mesh', () => {
    const shift = istioShift({ 'spec.target.gateways': ['istio-system/shared-gw', 'mesh'] });
    expect(renderGateways(shift).map((g) => g.metadata)).toMatchObject([{ name: 'shared-gw', namespace: 'istio-system' }]);
    expect(renderVirtualService(shift, 10).spec).toMatchObject({ hosts: ['echo.echo.svc.cluster.local'], gateways: ['istio-system/shared-gw', 'mesh'] });
  });

  it('renders the optional TCP keep-alive with protobuf durations', () => {
    const shift = istioShift({ 'spec.target.tcpKeepalive': { time: '2m', interval: '1500ms', probes: 4 } });
    expect(renderDestinationRule(shift).spec.trafficPolicy).toEqual({
      connectionPool: { tcp: { tcpKeepalive: { time: '120s', interval: '1.5s', probes: 4 } } },
    });
  });
});

describe("Istio's tcp-echo sample", () => {
  const allV1 = tcpEchoSample('tcp-echo-all-v1.yaml');
  const twentyV2 = tcpEchoSample('tcp-echo-20-v2.yaml');
  const upstreamAt20 = [...allV1.filter((o) => (o as { kind: string }).kind !== 'VirtualService'), ...twentyV2];

  it('rendering at 20 has the routing meaning of tcp-echo-20-v2 (80/20 on port 31400)', () => {
    const meaning = routingMeaning(renderIstioResources(tcpEchoShift(), 20), 31400);
    expect(meaning).toEqual(routingMeaning(upstreamAt20, 31400));
    expect(meaning.virtualService.shares.map((s) => [s.subset, s.share])).toEqual([
      ['v1', 0.8],
      ['v2', 0.2],
    ]);
  });

  it('rendering at 0 has the routing meaning of tcp-echo-all-v1', () => {
    const meaning = routingMeaning(renderIstioResources(tcpEchoShift(), 0), 31400);
    const upstream = routingMeaning(allV1, 31400);
    expect(meaning.gateways).toEqual(upstream.gateways);
    expect(meaning.virtualService.shares.filter((s) => s.share > 0)).toEqual(upstream.virtualService.shares);
  });

  it('patching the all-v1 VirtualService to 20 gives the routing of tcp-echo-20-v2', () => {
    const vs = { ...(allV1[2] as VirtualService), metadata: { name: 'tcp-echo', resourceVersion: '7' } };
    expect(readIstioWeights(vs, tcpEchoShift().spec)).toMatchObject({ stable: 100, canary: 0, share: 0 });
    const patched = applyJsonPatch(vs, istioWeightPatch(vs, tcpEchoShift().spec, 20));
    const meaning = routingMeaning([...allV1.slice(0, 2), patched], 31400);
    expect(meaning).toEqual(routingMeaning(upstreamAt20, 31400));
  });

  it('reads the 20-v2 VirtualService as a 20 % canary share', () => {
    const vs = { ...(twentyV2[0] as VirtualService), metadata: { name: 'tcp-echo', resourceVersion: '8' } };
    expect(readIstioWeights(vs, tcpEchoShift().spec)).toEqual({ stable: 80, canary: 20, total: 100, share: 0.2 });
  });
});
