import { describe, expect, it } from 'vitest';
import { formatAddress, parseAddress } from '../../src/probe/index.js';

describe('parseAddress', () => {
  it.each([
    ['127.0.0.1:31400', { host: '127.0.0.1', port: 31400 }],
    ['istio-ingressgateway.istio-system.svc:31400', { host: 'istio-ingressgateway.istio-system.svc', port: 31400 }],
    ['[::1]:9000', { host: '::1', port: 9000 }],
  ])('%s', (text, address) => {
    expect(parseAddress(text)).toEqual(address);
    expect(formatAddress(address)).toBe(text);
  });

  it.each([
    ['localhost', /'localhost' is not HOST:PORT/],
    [':9000', /not HOST:PORT/],
    ['::1:9000', /not HOST:PORT/],
    ['host:0', /port in 1\.\.65535/],
    ['host:70000', /port in 1\.\.65535/],
    ['host:9x', /not HOST:PORT/],
  ])('rejects %s', (text, message) => {
    expect(() => parseAddress(text)).toThrow(message);
  });
});
