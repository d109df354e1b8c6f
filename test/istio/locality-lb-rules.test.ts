// istiod's webhook rules for DestinationRule locality load balancing, with istiod's messages.
import { describe, expect, it } from 'vitest';
import { localitiesProblem, localityLbSettingProblem, validateDestinationRuleLocality } from '../../src/istio/locality-lb-rules.js';

const dr = (loadBalancer: unknown, subsetLoadBalancer?: unknown): unknown => ({
  spec: {
    host: 'echo',
    trafficPolicy: { loadBalancer },
    subsets: [{ name: 'v1', labels: { version: 'v1' }, ...(subsetLoadBalancer ? { trafficPolicy: { loadBalancer: subsetLoadBalancer } } : {}) }],
  },
});
const distribute = (to: Record<string, number>, from = '*'): unknown => ({ localityLbSetting: { distribute: [{ from, to }] } });

describe('locality load balancing rules (ValidateLocalityLbSetting)', () => {
  it('accepts integer shares of 1..100 summing to exactly 100', () => {
    expect(validateDestinationRuleLocality(dr(distribute({ 'tcpshift/echo/v1': 90, 'tcpshift/echo/v2': 10 })))).toEqual([]);
    expect(validateDestinationRuleLocality(dr(distribute({ 'tcpshift/echo/v1': 100 })))).toEqual([]);
  });

  it('refuses a sum other than 100, a 0 share and a share above 100, naming the field', () => {
    expect(validateDestinationRuleLocality(dr(distribute({ 'tcpshift/echo/v1': 90 })))).toEqual([
      { path: 'spec.trafficPolicy.loadBalancer.localityLbSetting', message: 'total locality weight 90 != 100' },
    ]);
    expect(localityLbSettingProblem({ distribute: [{ from: '*', to: { a: 100, b: 0 } }] })).toBe('locality weight must be in range [1, 100]');
    expect(localityLbSettingProblem({ distribute: [{ from: '*', to: { a: 101 } }] })).toBe('locality weight must be in range [1, 100]');
  });

  it('refuses distribute beside failover, and checks subsets and port-level settings too', () => {
    const both = { localityLbSetting: { distribute: [{ from: '*', to: { a: 100 } }], failover: [{ from: 'a', to: 'b' }] } };
    expect(validateDestinationRuleLocality(dr(undefined, both))).toEqual([
      { path: 'spec.subsets[0].trafficPolicy.loadBalancer.localityLbSetting', message: "can not simultaneously specify 'distribute' and 'failover'" },
    ]);
    const portLevel = { spec: { trafficPolicy: { portLevelSettings: [{ port: { number: 9000 }, loadBalancer: distribute({ a: 50 }) }] } } };
    expect(validateDestinationRuleLocality(portLevel)[0]?.path).toBe('spec.trafficPolicy.portLevelSettings[0].loadBalancer.localityLbSetting');
    expect(validateDestinationRuleLocality(dr({ ...(distribute({ a: 100 }) as object), zoneAwareLbSetting: {} }))[0]?.message).toBe('only one of localityLbSetting and zoneAwareLbSetting can be set');
  });

  it('checks localities as validateLocalities does: one trailing wildcard, no empty part, no overlap', () => {
    expect(localitiesProblem(['tcpshift/echo/v1', 'tcpshift/echo/v2', 'other/*'])).toBeUndefined();
    expect(localitiesProblem(['tcpshift/*/v1'])).toBe("locality tcpshift/*/v1 wildcard '*' number can not exceed 1 and must be in the end");
    expect(localitiesProblem(['tcpshift//v1'])).toBe('locality tcpshift//v1 must not contain empty region/zone/subzone info');
    expect(localitiesProblem(['tcpshift/echo', 'tcpshift/echo/v1'])).toBe('locality tcpshift/echo/v1 overlap with previous specified ones');
    expect(localitiesProblem(['tcpshift/echo/v1', 'tcpshift'])).toBe('locality tcpshift overlap with previous specified ones');
    expect(localitiesProblem(['*', 'a'])).toBe('locality a overlap with previous specified ones');
    expect(localityLbSettingProblem({ distribute: [{ from: 'a', to: { b: 100 } }, { from: 'a', to: { b: 100 } }] })).toBe('locality a overlap with previous specified ones');
  });

  it('checks failover regions', () => {
    expect(localityLbSettingProblem({ failover: [{ from: 'us', to: 'us' }] })).toBe('locality lb failover settings must specify different regions');
    expect(localityLbSettingProblem({ failover: [{ from: 'us/a', to: 'eu' }] })).toBe('locality lb failover only specify region');
    expect(localityLbSettingProblem({ failover: [{ from: 'us', to: 'eu' }], failoverPriority: ['topology.kubernetes.io/zone'] })).toBe(
      "can not simultaneously set 'failover' and topology label 'topology.kubernetes.io/zone' in 'failover_priority'",
    );
  });
});
