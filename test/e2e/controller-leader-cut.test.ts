// Two leaders: the leader's link to the API goes dark (a black-hole proxy between it and the
// API: no answer, no error) while the standby still reaches the API. The old leader must stop
// reconciling (tcpshift_leader 0) within retryPeriod + renewDeadline of its last renewal, and
// so before the standby can take the Lease over (leaseDuration after it last saw a renewal).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../src/sandbox/faults/index.js';
import { startControllerProcess, waitForValue, type ControllerProcess } from '../support/controller-e2e.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver-fixtures.js';

/** Wider than FAST_LEASE so the old leader's deadline (0.5 + 2 s) ends well before a takeover (4 s). */
const LEASE = { renewDeadlineMs: 2_000, retryPeriodMs: 500 };
const LEASE_ARGS = ['--lease-duration', '4s', '--renew-deadline', '2s', '--retry-period', '500ms'];
/** Scheduling slack on a busy machine. */
const MARGIN_MS = 1_500;

let env: TestApiServer;
let proxy: FaultProxy;
const controllers: ControllerProcess[] = [];

beforeAll(async () => {
  env = await startTestApiServer();
  const url = new URL(env.server.url);
  proxy = await startFaultProxy({ target: { host: url.hostname, port: Number(url.port) } });
  const text = await readFile(env.kubeconfigPath, 'utf8');
  await writeFile(path.join(env.dir, 'kubeconfig-via-proxy'), text.replace(env.server.url, `https://${url.hostname}:${proxy.port}`));
}, 30_000);

afterAll(async () => {
  await Promise.all(controllers.map((c) => c.kill()));
  await proxy?.close();
  await env?.close();
});

const leaderGauge = async (c: ControllerProcess): Promise<string | undefined> => /^tcpshift_leader (\d)$/m.exec(await c.metrics())?.[1];

describe('leader cut off from the API', () => {
  it('steps down within retryPeriod + renewDeadline, before the standby takes the Lease', async () => {
    const a = await startControllerProcess(path.join(env.dir, 'kubeconfig-via-proxy'), { identity: 'ctl-a', args: LEASE_ARGS });
    controllers.push(a);
    await a.leading();
    const b = await startControllerProcess(env.kubeconfigPath, { identity: 'ctl-b', args: LEASE_ARGS });
    controllers.push(b);
    await b.proc.waitForRecord((r) => r.msg === 'leader observed' && r.leader === 'ctl-a');
    expect(await leaderGauge(a)).toBe('1');

    const cutAt = Date.now();
    proxy.setMode('blackhole');
    const lost = await a.proc.waitForRecord((r) => r.msg === 'lost lease', 20_000);
    await b.leading(20_000);
    const took = b.proc.records.find((r) => r.msg === 'acquired lease');

    const lostAt = lost.time as number;
    expect(lostAt - cutAt).toBeLessThan(LEASE.retryPeriodMs + LEASE.renewDeadlineMs + MARGIN_MS);
    expect(took?.time as number).toBeGreaterThan(lostAt);
    expect(await waitForValue(() => a.proc.records.some((r) => r.msg === 'not leading: reconciles stopped'), Boolean, 'reconciles stopped', 5_000)).toBe(true);
    expect(await leaderGauge(a)).toBe('0');
    expect(await leaderGauge(b)).toBe('1');
  }, 60_000);
});
