// Host names as istiod reads them (src/istio/hosts.ts): ResolveShortnameToFQDN and Gateway server
// hosts admitting a VirtualService.
import { describe, expect, it } from 'vitest';
import { resolveHost, serverAdmits, serviceOfFqdn } from '../../src/istio/hosts.js';

describe('resolveHost (pilot model.ResolveShortnameToFQDN)', () => {
  it('expands a name without dots into the namespace of the object that wrote it', () => {
    expect(resolveHost('echo', 'echo')).toBe('echo.echo.svc.cluster.local');
    expect(resolveHost('echo', 'payments')).toBe('echo.payments.svc.cluster.local');
  });

  it('takes any dotted name as written: name.namespace is not expanded', () => {
    expect(resolveHost('echo.echo', 'echo')).toBe('echo.echo');
    expect(resolveHost('echo.echo.svc', 'echo')).toBe('echo.echo.svc');
    expect(resolveHost('echo.default.svc.cluster.local', 'echo')).toBe('echo.default.svc.cluster.local');
  });

  it('leaves the wildcard and IP addresses alone', () => {
    expect(resolveHost('*', 'echo')).toBe('*');
    expect(resolveHost('10.0.0.7', 'echo')).toBe('10.0.0.7');
    expect(resolveHost('fd00::7', 'echo')).toBe('fd00::7');
  });

  it('serviceOfFqdn names the Service of a cluster FQDN only', () => {
    expect(serviceOfFqdn('echo.echo.svc.cluster.local')).toEqual({ name: 'echo', namespace: 'echo' });
    expect(serviceOfFqdn('echo.echo')).toBeUndefined();
  });
});

describe('serverAdmits (pickMatchingGatewayHosts)', () => {
  it('admits by host pattern, in the namespace the server host names', () => {
    expect(serverAdmits(['*'], ['*'], 'echo')).toBe(true);
    expect(serverAdmits(['echo/*'], ['anything.example.com'], 'echo')).toBe(true);
    expect(serverAdmits(['payments/*'], ['*'], 'echo')).toBe(false);
    expect(serverAdmits(['*/tcp.example.com'], ['tcp.example.com'], 'echo')).toBe(true);
    expect(serverAdmits(['*/tcp.example.com'], ['other.example.com'], 'echo')).toBe(false);
  });

  it("`./host` is the Gateway's own namespace", () => {
    expect(serverAdmits(['./*'], ['*'], 'echo', 'echo')).toBe(true);
    expect(serverAdmits(['./*'], ['*'], 'echo', 'istio-system')).toBe(false);
  });
});
