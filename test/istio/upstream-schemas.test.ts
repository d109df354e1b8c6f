import { describe, expect, it } from 'vitest';
import { renderIstioResources, renderVirtualService } from '../../src/istio/render.js';
import { validateVirtualService } from '../../src/istio/webhook-rules.js';
import { shippedCrdValidator, type CrdObjectValidator } from '../../src/spec/crd-validator.js';
import type { SpecIssue } from '../../src/spec/issues.js';
import { valueAt, withChanges, type Doc } from '../spec/examples.js';
import { istioShift } from './shifts.js';

// Every rendered object against the upstream Istio CRD schemas (schemas/istio-crds.yaml, v1):
// Ajv with unknown x-kubernetes-* keywords ignored (strict: false) and undeclared fields reported.
const validators: Record<string, CrdObjectValidator> = Object.fromEntries(
  ['Gateway', 'DestinationRule', 'VirtualService'].map((kind) => [kind, shippedCrdValidator('istio-crds.yaml', kind, 'v1')]),
);

function validate(object: unknown): SpecIssue[] {
  const kind = String(valueAt(object, 'kind'));
  const validator = validators[kind];
  if (!validator) throw new Error(`no validator for ${kind}`);
  return validator(object);
}

const WEIGHTS = Array.from({ length: 101 }, (_, w) => w);
const VARIANTS: Array<[string, Record<string, unknown>]> = [
  ['the example', {}],
  ['no gateways named', { 'spec.target.gateways': undefined }],
  ['a namespaced gateway and the mesh', { 'spec.target.gateways': ['istio-system/ingress', 'mesh'] }],
  ['TCP keep-alive', { 'spec.target.tcpKeepalive': { time: '7200s', interval: '75s', probes: 9 } }],
  ['a custom gateway selector and short host', { 'spec.target.gatewaySelector': { app: 'edge', 'topology.istio.io/network': 'n1' }, 'spec.target.host': 'echo' }],
];

describe('rendered Istio objects against the upstream CRD schemas', () => {
  it.each(VARIANTS)('%s: every object at every weight 0..100 validates, and the VirtualService passes the webhook rules', (_name, changes) => {
    const shift = istioShift(changes);
    for (const weight of WEIGHTS) {
      const objects = renderIstioResources(shift, weight);
      expect(objects.map((o) => o.kind).sort()).toEqual(['DestinationRule', 'Gateway', 'VirtualService']);
      for (const object of objects) expect({ weight, kind: object.kind, issues: validate(object) }).toEqual({ weight, kind: object.kind, issues: [] });
      expect(validateVirtualService(objects.at(-1))).toEqual([]);
    }
  });

  it('the validator does catch what the upstream schema forbids', () => {
    const vs = withChanges(renderVirtualService(istioShift(), 20), {
      'spec.tcp.0.route': [{ destination: { host: 'h', port: { number: 'x' } }, weight: 1.5, wieght: 2 }],
    });
    expect(validate(vs).map((i) => i.path).sort()).toEqual(
      ['spec.tcp[0].route[0].destination.port.number', 'spec.tcp[0].route[0].weight', 'spec.tcp[0].route[0].wieght'].sort(),
    );
  });

  it("evaluates Istio's duration CEL rule (duration(self) >= duration('1ms'))", () => {
    const [, dr] = renderIstioResources(istioShift({ 'spec.target.tcpKeepalive': { time: '1s' } }), 20);
    const broken = withChanges(dr as Doc, { 'spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.time': '0s' });
    expect(validate(dr)).toEqual([]);
    expect(validate(broken)).toEqual([
      { path: 'spec.trafficPolicy.connectionPool.tcp.tcpKeepalive.time', message: expect.stringMatching(/at least 1ms/) },
    ]);
  });
});
