/**
 * Localities as istiod reads them. A pod's locality is its label `topology.istio.io/locality`
 * (else the legacy `istio-locality`), dots standing for slashes because label values cannot hold
 * `/` (istio/istio pkg/model/proxy.go `GetLocalityLabel`, `SanitizeLocalityLabel`): the value
 * `tcpshift.echo.v1` is the locality `tcpshift/echo/v1` (region/zone/subzone). Node topology
 * labels are not emulated: the sandbox's pods have no nodes, so a pod without the label has the
 * empty locality.
 */
export const LOCALITY_LABEL = 'topology.istio.io/locality';
const LEGACY_LOCALITY_LABEL = 'istio-locality';

export function podLocality(labels: Readonly<Record<string, string>> | undefined): string {
  const value = labels?.[LOCALITY_LABEL] ?? labels?.[LEGACY_LOCALITY_LABEL] ?? '';
  return value.includes('/') ? value : value.replaceAll('.', '/');
}

/** The label value that stands for a locality (slashes written as dots). */
export function localityLabelValue(locality: string): string {
  return locality.replaceAll('/', '.');
}

/** pilot/pkg/serviceregistry/util/label `SplitLocalityLabel`: region, zone, subzone. */
export function splitLocality(locality: string): [string, string, string] {
  const [region = '', zone = '', subzone = ''] = locality.split('/');
  return [region, zone, subzone];
}

/**
 * pilot/pkg/networking/util `LocalityMatch`: a rule's region must be `*` or equal; its zone and
 * subzone may also be absent (any). `tcpshift/echo` matches `tcpshift/echo/v1`; `*` matches all.
 */
export function localityMatch(locality: string, rule: string): boolean {
  const [region, zone, subzone] = splitLocality(locality);
  const [ruleRegion, ruleZone, ruleSubzone] = splitLocality(rule);
  const part = (ruleValue: string, value: string): boolean => ruleValue === '*' || ruleValue === '' || ruleValue === value;
  return (ruleRegion === '*' || ruleRegion === region) && part(ruleZone, zone) && part(ruleSubzone, subzone);
}
