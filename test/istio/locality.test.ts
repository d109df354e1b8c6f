// Localities as istiod reads them from pod labels and matches them against rules.
import { describe, expect, it } from 'vitest';
import { localityLabelValue, localityMatch, podLocality } from '../../src/istio/locality.js';

describe('locality', () => {
  it('reads topology.istio.io/locality with dots for slashes, then the legacy istio-locality, else none', () => {
    expect(podLocality({ 'topology.istio.io/locality': 'tcpshift.echo.v1' })).toBe('tcpshift/echo/v1');
    expect(podLocality({ 'topology.istio.io/locality': 'us-east1', 'istio-locality': 'eu.west.a' })).toBe('us-east1');
    expect(podLocality({ 'istio-locality': 'eu.west.a' })).toBe('eu/west/a');
    expect(podLocality({ app: 'echo' })).toBe('');
    expect(localityLabelValue('tcpshift/echo/v2')).toBe('tcpshift.echo.v2');
  });

  it('matches as LocalityMatch: region exact or *, zone and subzone exact, * or absent', () => {
    expect(localityMatch('tcpshift/echo/v1', '*')).toBe(true);
    expect(localityMatch('tcpshift/echo/v1', 'tcpshift')).toBe(true);
    expect(localityMatch('tcpshift/echo/v1', 'tcpshift/echo/*')).toBe(true);
    expect(localityMatch('tcpshift/echo/v1', 'tcpshift/echo/v2')).toBe(false);
    expect(localityMatch('tcpshift/echo/v1', 'other/*')).toBe(false);
    expect(localityMatch('', 'tcpshift/echo/v1')).toBe(false);
  });
});
