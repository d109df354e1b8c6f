// The controller-wide probe budget with a real controller process: with room for one shift's
// probes, a second shift waits (Degraded ProbeBudget, its route untouched) until the first one's
// probes stop, then runs. Light probes (one connection per shift) against a real echo server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApiServer } from '../support/apiserver-fixtures.js';
import { waitForObject } from '../support/controller-e2e.js';
import { startLightProbeEnv, type LightProbeEnv } from '../support/controller-light-env.js';
import { condition, type StoredShift } from '../support/controller-harness.js';

const NS = 'budget';
let api: TestApiServer;

const ref = (name: string) => ({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name, namespace: NS });
const shift = (name: string) => (): StoredShift | undefined => {
  try {
    return api.server.objects.get(ref(name)) as unknown as StoredShift;
  } catch {
    return undefined;
  }
};

const createShift = (name: string): void => env?.createShift(name, { 'spec.schedule.steps': [50, 100], 'spec.schedule.bake': '2s' });

let env: LightProbeEnv | undefined;

beforeAll(async () => {
  env = await startLightProbeEnv({ namespace: NS, identity: 'budget-ctl', args: ['--probe-budget-connections', '1'] });
  ({ api } = env);
}, 60_000);

afterAll(async () => {
  await env?.close();
});

describe('probe budget', () => {
  it('a shift beyond the budget waits with ProbeBudget and writes nothing until the running one ends, then runs', async () => {
    createShift('first');
    await waitForObject(shift('first'), (s) => s.status?.phase === 'Progressing', 'first progressing');
    createShift('second');
    const waiting = await waitForObject(shift('second'), (s) => condition(s, 'Degraded')?.reason === 'ProbeBudget', 'second waiting for the budget').catch((error: unknown) => {
      throw new Error(`${String(error)}; controller exit ${String(env?.controller.proc.child.exitCode)}, warnings ${JSON.stringify(env?.controller.proc.records.filter((r) => r.level !== 30))}, stderr ${env?.controller.proc.stderr}`);
    });
    expect(waiting.status?.phase).toBe('Pending');
    expect(condition(waiting, 'Degraded')?.message).toBe(
      "waiting for probe connections: needs 1 of the controller's 1 (--probe-budget-connections), next in line; nothing written yet",
    );
    expect(api.server.requestLog().filter((r) => r.verb === 'patch' && r.resource === 'virtualservices' && r.name === 'second')).toEqual([]);
    const metrics = (await env?.controller.metrics()) ?? '';
    expect(metrics).toMatch(/^tcpshift_probe_budget_connections\{state="capacity"\} 1$/m);
    expect(metrics).toMatch(/^tcpshift_probe_budget_connections\{state="in_use"\} 1$/m);

    await waitForObject(shift('second'), (s) => s.status?.phase === 'Promoted', 'second promoted after the first');
    expect(shift('first')()?.status?.phase).toBe('Promoted');
    const log = api.server.requestLog();
    const isRouteWrite = (name: string) => (r: (typeof log)[number]) => r.verb === 'patch' && r.resource === 'virtualservices' && r.name === name;
    expect(log.filter(isRouteWrite('second'))).toHaveLength(2);
    expect(log.findIndex(isRouteWrite('second'))).toBeGreaterThan(log.findLastIndex(isRouteWrite('first')));
    expect(condition(shift('second')(), 'Degraded')?.status).toBe('False');
  }, 60_000);
});
