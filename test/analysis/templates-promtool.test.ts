// The built-in templates' PromQL evaluated by Prometheus's own engine (promtool test rules, from
// Debian's prometheus package) over Istio TCP series written the way istio-proxy labels them:
// the queries parse, select the right reporter, service and version, ignore normal closes, and
// compute what the README says.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { checkQuery } from '../../src/shift/index.js';
import type { ResolvedShift } from '../../src/spec/resolved-shift.js';
import { programOrSkip } from '../support/require-program.js';
import { shiftFor } from '../support/shift-fixtures.js';
import { exampleObject, shiftFrom, withChanges } from '../spec/examples.js';

const promtool = programOrSkip('promtool', 'prometheus');
const dir = mkdtempSync(path.join(tmpdir(), 'tcpshift-promtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Labels = Record<string, string>;
/** A counter series growing by `step` every 15 s for 2 minutes. */
const counter = (metric: string, labels: Labels, step: number): { series: string; values: string } => ({
  series: `${metric}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`,
  values: `0+${step}x8`,
});

const istio = (version: string, extra: Labels = {}): Labels => ({
  reporter: 'source',
  source_workload: 'istio-ingressgateway',
  destination_service: 'echo.echo.svc.cluster.local',
  destination_service_name: 'echo',
  destination_service_namespace: 'echo',
  destination_version: version,
  destination_canonical_revision: version,
  response_flags: '-',
  ...extra,
});
/** A failed connect: only the endpoint's metadata is known, so destination_version is unknown (istio_stats.cc). */
const failedConnect = (version: string, flags: string): Labels => istio(version, { destination_version: 'unknown', response_flags: flags });

function template(shift: ResolvedShift, name: string): string {
  const withCheck = { ...shift.spec.analysis, metrics: [{ name: 'm', template: name as 'tcp-bytes-ratio', intervalMs: 60_000, failureLimit: 1, onNoData: 'fail' as const }] };
  return checkQuery({ ...shift, spec: { ...shift.spec, analysis: withCheck } }, withCheck.metrics[0]!);
}

/** Prometheus evaluates `expr` over the series at 2 m (a 1 m interval ends there) and expects `value`. */
async function expectValue(series: Array<{ series: string; values: string }>, expr: string, value: number | undefined): Promise<void> {
  const file = path.join(dir, `t-${Math.random().toString(36).slice(2)}.json`);
  const test = { rule_files: [], evaluation_interval: '15s', tests: [{ interval: '15s', input_series: series, promql_expr_test: [{ expr, eval_time: '2m', exp_samples: value === undefined ? [] : [{ labels: '{}', value }] }] }] };
  writeFileSync(file, JSON.stringify(test));
  const result = await promisify(execFile)(promtool!, ['test', 'rules', file]).then(
    () => 'SUCCESS',
    (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
  );
  expect(result, expr).toBe('SUCCESS');
}

describe.skipIf(!promtool)('built-in templates on Istio TCP metrics (promtool)', () => {
  const shift = shiftFor();
  const opened = 'istio_tcp_connections_opened_total';
  const closed = 'istio_tcp_connections_closed_total';

  it('tcp-connection-failure-rate: the canary failed share minus the stable one, failure flags only, source reporter only', async () => {
    await expectValue(
      [
        counter(opened, failedConnect('v2', 'UF,URX'), 5),
        counter(closed, failedConnect('v2', 'UF,URX'), 5),
        counter(opened, istio('v2'), 5),
        counter(closed, istio('v2'), 5),
        counter(opened, istio('v2', { reporter: 'destination' }), 100),
        counter(closed, istio('v2', { destination_service_name: 'other', response_flags: 'UH' }), 50),
        counter(opened, failedConnect('v1', 'UF,URX'), 2),
        counter(opened, istio('v1'), 6),
        counter(closed, failedConnect('v1', 'UF,URX'), 2),
        counter(closed, istio('v1', { response_flags: 'UT' }), 6),
      ],
      template(shift, 'tcp-connection-failure-rate'),
      0.25,
    );
  });

  it('tcp-connection-failure-rate: the stable share counts 0 when the stable opened nothing; no data when the canary opened nothing', async () => {
    const series = [counter(opened, istio('v2'), 10), counter(closed, istio('v2', { response_flags: 'UO' }), 5), counter(opened, istio('v1'), 0)];
    await expectValue(series, template(shift, 'tcp-connection-failure-rate'), 0.5);
    await expectValue([counter(opened, istio('v2'), 0), counter(opened, istio('v1'), 8)], template(shift, 'tcp-connection-failure-rate'), undefined);
  });

  it('tcp-connections-opened: connections opened to the canary over the interval', async () => {
    await expectValue([counter(opened, istio('v2'), 10), counter(opened, istio('v1'), 30)], template(shift, 'tcp-connections-opened'), 40);
  });

  it('tcp-bytes-ratio: canary bytes per connection over the stable ones', async () => {
    await expectValue(
      [
        counter(opened, istio('v2'), 10),
        counter('istio_tcp_received_bytes_total', istio('v2'), 100),
        counter('istio_tcp_sent_bytes_total', istio('v2'), 100),
        counter(opened, istio('v1'), 10),
        counter('istio_tcp_received_bytes_total', istio('v1'), 50),
        counter('istio_tcp_sent_bytes_total', istio('v1'), 50),
      ],
      template(shift, 'tcp-bytes-ratio'),
      2,
    );
  });

  it('Gateway API: a version is its own Service (destination_service_name)', async () => {
    const gatewayApi = shiftFrom(withChanges(exampleObject('shift-gateway-api.yaml'), { 'metadata.namespace': 'echo' }));
    const svc = (name: string, extra: Labels = {}): Labels => istio('unknown', { destination_service_name: name, ...extra });
    await expectValue(
      [counter(opened, svc('echo-v2'), 10), counter(closed, svc('echo-v2', { response_flags: 'UF' }), 5), counter(opened, svc('echo-v1'), 10)],
      template(gatewayApi, 'tcp-connection-failure-rate'),
      0.5,
    );
  });
});
