// --probe-allow: which probe destinations a shared controller accepts, by name and by the
// addresses a name resolves to.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROBE_ALLOW, ProbeAllowlist } from '../../src/probe/index.js';

describe('ProbeAllowlist', () => {
  it('the default admits the Services of istio-system by DNS name, and nothing else', () => {
    const allow = ProbeAllowlist.parse(DEFAULT_PROBE_ALLOW);
    for (const host of ['istio-ingressgateway.istio-system', 'istio-ingressgateway.istio-system.svc', 'istio-ingressgateway.istio-system.svc.cluster.local', 'GW.Istio-System.svc.']) {
      expect(allow.refusal(host, ['10.96.0.20']), host).toBeUndefined();
    }
    for (const host of ['vault.secrets.svc.cluster.local', 'istio-system.evil.com', 'x.istio-system.pod.cluster.local', 'metadata.google.internal', '10.96.0.20']) {
      expect(allow.refusal(host, ['10.96.0.20']), host).toMatch(/is not in --probe-allow \(namespace:istio-system\)/);
    }
  });

  it('a name it admits must not resolve to loopback, link-local (cloud metadata) or unspecified addresses', () => {
    const allow = ProbeAllowlist.parse('namespace:istio-system');
    expect(allow.refusal('gw.istio-system.svc', ['10.96.0.20', '169.254.169.254'])).toBe(
      'gw.istio-system.svc resolves to 169.254.169.254: a loopback, link-local or unspecified address, which --probe-allow (namespace:istio-system) does not list',
    );
    for (const ip of ['127.0.0.1', '::1', '0.0.0.0', 'fe80::1', '::ffff:169.254.169.254']) expect(allow.refusal('gw.istio-system.svc', [ip]), ip).toMatch(/loopback, link-local/);
    expect(ProbeAllowlist.parse('namespace:istio-system,127.0.0.0/8').refusal('gw.istio-system.svc', ['127.0.0.2'])).toBeUndefined();
  });

  it('address entries admit IPs and names whose every address they cover', () => {
    const allow = ProbeAllowlist.parse('10.0.0.0/8, 192.0.2.7, fd00::/8');
    expect(allow.refusal('10.1.2.3', ['10.1.2.3'])).toBeUndefined();
    expect(allow.refusal('192.0.2.7', ['192.0.2.7'])).toBeUndefined();
    expect(allow.refusal('fd00::5', ['fd00::5'])).toBeUndefined();
    expect(allow.refusal('192.0.2.8', ['192.0.2.8'])).toMatch(/not in --probe-allow/);
    expect(allow.refusal('gw.example.com', ['10.4.4.4'])).toBeUndefined();
    expect(allow.refusal('gw.example.com', ['10.4.4.4', '203.0.113.9'])).toBe('gw.example.com (203.0.113.9) is not in --probe-allow (10.0.0.0/8,192.0.2.7,fd00::/8)');
    expect(allow.refusal('gw.example.com', [])).toMatch(/resolves to no address/);
  });

  it('host and suffix entries, and * for anywhere', () => {
    const allow = ProbeAllowlist.parse('gw.example.com,*.gateways.example.org');
    expect(allow.refusal('gw.example.com', ['203.0.113.1'])).toBeUndefined();
    expect(allow.refusal('a.gateways.example.org', ['203.0.113.1'])).toBeUndefined();
    expect(allow.refusal('gateways.example.org', ['203.0.113.1'])).toMatch(/not in --probe-allow/);
    expect(allow.refusal('evilgateways.example.org', ['203.0.113.1'])).toMatch(/not in --probe-allow/);
    expect(ProbeAllowlist.parse('*').refusal('169.254.169.254', ['169.254.169.254'])).toBeUndefined();
  });

  it('refuses entries it does not understand, naming them', () => {
    expect(() => ProbeAllowlist.parse('')).toThrow(/has no entry/);
    expect(() => ProbeAllowlist.parse('10.0.0.0/33')).toThrow("'10.0.0.0/33': the prefix length must be 0..32");
    expect(() => ProbeAllowlist.parse('namespace:Not_A_Label')).toThrow(/a namespace is a DNS-1123 label/);
    expect(() => ProbeAllowlist.parse('bad host!')).toThrow("'bad host!' is not understood");
  });
});
