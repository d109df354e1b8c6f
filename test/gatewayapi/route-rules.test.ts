import { describe, expect, it } from 'vitest';
import { renderTcpRoute } from '../../src/gatewayapi/render.js';
import { validateTcpRoute } from '../../src/gatewayapi/route-rules.js';
import { withChanges } from '../spec/examples.js';
import { gatewayApiShift } from './shifts.js';

const good = renderTcpRoute(gatewayApiShift(), 40);

describe('TCPRoute rules', () => {
  it.each([
    ['no rules', { 'spec.rules': [] }, 'spec.rules', /at least one rule/],
    ['no backendRefs', { 'spec.rules.0.backendRefs': [] }, 'spec.rules[0].backendRefs', /at least one backendRef/],
    ['17 backendRefs', { 'spec.rules.0.backendRefs': Array.from({ length: 17 }, (_, i) => ({ name: `s${i}`, port: 1 })) }, 'spec.rules[0].backendRefs', /at most 16/],
    ['a negative weight', { 'spec.rules.0.backendRefs.0.weight': -1 }, 'spec.rules[0].backendRefs[0].weight', /integer in 0\.\.1000000/],
    ['a weight above 1,000,000', { 'spec.rules.0.backendRefs.1.weight': 1_000_001 }, 'spec.rules[0].backendRefs[1].weight', /integer in 0\.\.1000000/],
    ['all weights 0', { 'spec.rules.0.backendRefs.0.weight': 0, 'spec.rules.0.backendRefs.1.weight': 0 }, 'spec.rules[0].backendRefs', /sum to 0/],
    ['a Service without port', { 'spec.rules.0.backendRefs.0.port': undefined }, 'spec.rules[0].backendRefs[0].port', /Must have port for Service reference/],
    ['a backend without name', { 'spec.rules.0.backendRefs.0.name': undefined }, 'spec.rules[0].backendRefs[0].name', /name is required/],
  ])('reject %s', (_name, changes, path, message) => {
    expect(validateTcpRoute(withChanges(good, changes))).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('accept weights that do not sum to 100 and absent weights', () => {
    expect(validateTcpRoute(good)).toEqual([]);
    expect(validateTcpRoute(withChanges(good, { 'spec.rules.0.backendRefs.0.weight': undefined, 'spec.rules.0.backendRefs.1.weight': 999_999 }))).toEqual([]);
  });
});
