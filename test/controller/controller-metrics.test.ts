// The controller evaluates the same metric checks as the CLI: the Reconciler (scripted, healthy
// probes, a manual clock) against the API emulator, with a Prometheus stand-in over HTTP that
// answers as Prometheus's /api/v1/query does, its value following the canary weight. The metric
// alone rolls the shift back: TCPShift status, step records and the Breach Event say so.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { phaseIs, startHarness, type Harness } from '../support/controller-harness.js';

let h: Harness;
let prometheus: http.Server;
const queries: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  prometheus = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      queries.push(new URLSearchParams(body).get('query') ?? '');
      const canary = h.api.weights()[1] ?? 0;
      const value = canary <= 20 ? '0' : '0.4';
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [Date.now() / 1000, value] }] } }));
    });
  });
  await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => prometheus.close(resolve));
});

/** Reconcile, letting each requeue's time pass and the evaluator's HTTP answers land, until done. */
async function runUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i++) {
    const result = await h.reconcile();
    await h.clock.advance(Math.min(result.requeueAfterMs ?? 500, 500));
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('controller with metric checks', () => {
  it('rolls back on a failed metric, recording it in status.steps, the rollback reason and a Breach Event', async () => {
    const url = `http://127.0.0.1:${(prometheus.address() as AddressInfo).port}`;
    h.create({
      'spec.analysis.prometheus': { address: url },
      'spec.analysis.metrics': [{ name: 'failures', template: 'tcp-connection-failure-rate', thresholdRange: { max: 0.05 }, interval: '2s', failureLimit: 1, onNoData: 'wait' }],
    });
    await runUntil(() => phaseIs('RolledBack')(h.shift()));
    const status = h.shift()!.status!;
    expect(status.phase).toBe('RolledBack');
    expect(status.rollback).toMatchObject({ cause: 'breach', reason: 'metric failures: 0.4 outside [-, 0.05]' });
    expect(status.steps!.map((s) => [s.targetWeight, s.verdict, (s as { metrics?: unknown }).metrics])).toEqual([
      [20, 'ok', [{ name: 'failures', value: 0, max: 0.05, verdict: 'ok' }]],
      [50, 'breach', [{ name: 'failures', value: 0.4, max: 0.05, verdict: 'failed' }]],
    ]);
    const breach = (await h.events()).find((e) => e.reason === 'Breach');
    expect(breach).toMatchObject({ type: 'Warning', message: expect.stringContaining('metric failures: 0.4 outside [-, 0.05]') });
    // The pre-flight asked once, then the evaluations: all the rendered template.
    expect(queries.length).toBeGreaterThanOrEqual(3);
    expect(new Set(queries).size).toBe(1);
  });
});
