import { describe, expect, it } from 'vitest';
import { renderVirtualService } from '../../src/istio/render.js';
import { validateVirtualService } from '../../src/istio/webhook-rules.js';
import { withChanges } from '../spec/examples.js';
import { istioShift } from './shifts.js';

const good = renderVirtualService(istioShift(), 30);

describe("istiod's webhook rules", () => {
  it('accept a rendered VirtualService', () => {
    expect(validateVirtualService(good)).toEqual([]);
  });

  it.each([
    ['an empty tcp route', { 'spec.tcp.0.route': [] }, 'spec.tcp[0].route', /TCP route is required/],
    ['a negative weight', { 'spec.tcp.0.route.1.weight': -5 }, 'spec.tcp[0].route[1].weight', /weight -5 < 0/],
    ['a fractional weight', { 'spec.tcp.0.route.1.weight': 2.5 }, 'spec.tcp[0].route[1].weight', /must be an integer/],
    ['several destinations weighing 0', { 'spec.tcp.0.route.0.weight': 0, 'spec.tcp.0.route.1.weight': 0 }, 'spec.tcp[0].route', /total destination weight = 0/],
    ['the * destination host', { 'spec.tcp.0.route.0.destination.host': '*' }, 'spec.tcp[0].route[0].destination.host', /invalid destination host \*/],
    ['a destination host that is no domain', { 'spec.tcp.0.route.0.destination.host': 'a b' }, 'spec.tcp[0].route[0].destination.host', /invalid destination host a b/],
    ['a subset that is no DNS-1123 label', { 'spec.tcp.0.route.0.destination.subset': 'V_1' }, 'spec.tcp[0].route[0].destination.subset', /subset name is invalid: "V_1"/],
    ['a destination port out of range', { 'spec.tcp.0.route.0.destination.port.number': 70000 }, 'spec.tcp[0].route[0].destination.port.number', /70000 must be in the range/],
    ['a match port out of range', { 'spec.tcp.0.match.0.port': 0 }, 'spec.tcp[0].match[0].port', /port number 0/],
    ['no hosts', { 'spec.hosts': [] }, 'spec.hosts', /at least one host/],
    ['* bound to the mesh', { 'spec.gateways': ['mesh'] }, 'spec.hosts[0]', /wildcard host \* is not allowed/],
    ['no routes at all', { 'spec.tcp': [] }, 'spec', /http, tcp or tls must be provided/],
    ['a missing destination', { 'spec.tcp.0.route.0.destination': undefined }, 'spec.tcp[0].route[0].destination', /destination is required/],
    ['an empty tls route', { 'spec.tls': [{ match: [{ sniHosts: ['a.b'] }], route: [] }] }, 'spec.tls[0].route', /TLS route is required/],
    ['a negative http weight', { 'spec.http': [{ route: [{ destination: { host: 'a' }, weight: -1 }] }] }, 'spec.http[0].route[0].weight', /weight -1 < 0/],
    ['a bad gateway name', { 'spec.gateways': ['Bad/Gw'] }, 'spec.gateways[0]', /invalid gateway name/],
  ])('reject %s', (_name, changes, path, message) => {
    expect(validateVirtualService(withChanges(good, changes))).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it('accept weights that do not sum to 100 and a lone destination weighing 0', () => {
    expect(validateVirtualService(withChanges(good, { 'spec.tcp.0.route.0.weight': 3, 'spec.tcp.0.route.1.weight': 1 }))).toEqual([]);
    expect(validateVirtualService(withChanges(good, { 'spec.tcp.0.route': [{ destination: { host: 'a' }, weight: 0 }] }))).toEqual([]);
  });
});
