// `tcpshift render --strategy locality` (issue 14), in this process: the single-destination
// VirtualService, the DestinationRule with distribute (valid for Istio's CRD schema and istiod's
// rules), and the kubectl commands that label each version's pods.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { localityProblems } from '../../src/istio/locality-weights.js';
import { shippedCrdValidator } from '../../src/spec/crd-validator.js';
import { runTcpshift } from '../support/cli.js';

type Doc = { kind: string; spec: Record<string, unknown> };
const validators = Object.fromEntries(['Gateway', 'DestinationRule', 'VirtualService'].map((kind) => [kind, shippedCrdValidator('istio-crds.yaml', kind, 'v1')]));
const distribute = (dr: Doc): unknown => (dr.spec.trafficPolicy as { loadBalancer: { localityLbSetting: { distribute: unknown } } }).loadBalancer.localityLbSetting.distribute;

describe('tcpshift render --strategy locality', () => {
  it('prints a single-destination VirtualService and the DestinationRule with distribute, valid for the Istio CRDs, at every weight', async () => {
    for (const [weight, to] of [
      ['0', { 'tcpshift/echo/v1': 100 }],
      ['20', { 'tcpshift/echo/v1': 80, 'tcpshift/echo/v2': 20 }],
      ['100', { 'tcpshift/echo/v2': 100 }],
    ] as const) {
      const run = await runTcpshift(['render', '-f', 'examples/shift.yaml', '--weight', weight, '--strategy', 'locality']);
      expect(run.code, run.stderr).toBe(0);
      const docs = parseAllDocuments(run.stdout).map((d) => d.toJS() as Doc);
      expect(docs.map((d) => d.kind)).toEqual(['Gateway', 'DestinationRule', 'VirtualService']);
      for (const doc of docs) expect(validators[doc.kind]!(doc)).toEqual([]);
      const [, dr, vs] = docs as [Doc, Doc, Doc];
      expect(distribute(dr)).toEqual([{ from: '*', to }]);
      expect(localityProblems((dr.spec.trafficPolicy as { loadBalancer: { localityLbSetting: Record<string, unknown> } }).loadBalancer.localityLbSetting)).toEqual([]);
      expect(vs.spec.tcp).toEqual([{ match: [{ port: 31400 }], route: [{ destination: { host: 'echo.echo.svc.cluster.local', port: { number: 9000 } } }] }]);
    }
  });

  it('prints the pod-label commands as YAML comments, and on stderr with -o json (stdout is only the List)', async () => {
    const yaml = await runTcpshift(['render', '-f', 'examples/shift.yaml', '--weight', '20', '--strategy', 'locality']);
    expect(yaml.stdout).toMatch(/^# kubectl -n echo label pods -l version=v2 topology\.istio\.io\/locality=tcpshift\.echo\.v2 --overwrite$/m);
    expect(yaml.stdout).toMatch(/^# kubectl -n echo get deployments -l version=v1 -o name \| xargs -I\{\} kubectl -n echo patch \{\} --type merge -p '\{"spec":\{"template":\{"metadata":\{"labels":\{"topology\.istio\.io\/locality":"tcpshift\.echo\.v1"\}\}\}\}\}'$/m);
    const json = await runTcpshift(['render', '-f', 'examples/shift.yaml', '--weight', '20', '--strategy', 'locality', '-o', 'json']);
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { items: Doc[] }).items.map((d) => d.kind)).toEqual(['Gateway', 'DestinationRule', 'VirtualService']);
    expect(json.stderr).toMatch(/label pods -l version=v1 topology\.istio\.io\/locality=tcpshift\.echo\.v1/);
  });

  it('without --strategy renders what the spec says (route by default), and refuses --strategy for gateway-api (exit 2)', async () => {
    const route = await runTcpshift(['render', '-f', 'examples/shift.yaml', '--weight', '20']);
    expect(route.stdout).not.toMatch(/localityLbSetting|topology\.istio\.io/);
    const gatewayApi = await runTcpshift(['render', '-f', 'examples/shift-gateway-api.yaml', '--weight', '20', '--strategy', 'locality']);
    expect(gatewayApi.code).toBe(2);
    expect(gatewayApi.stdout).toBe('');
    expect(gatewayApi.stderr).toMatch(/--strategy locality: only spec\.provider istio has strategies/);
  });
});
