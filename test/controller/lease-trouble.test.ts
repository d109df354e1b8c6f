// A controller that cannot take its Lease (here: its namespace does not exist) says so: a warning
// with the API error, rate-limited, and /readyz answers 503 with the reason; once the namespace
// exists it takes the Lease and is ready.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startController, type RunningController } from '../../src/controller/index.js';
import { LeaseTrouble } from '../../src/controller/lease-trouble.js';
import { KubeClient } from '../../src/kube/index.js';
import { ProbeAllowlist } from '../../src/probe/index.js';
import { systemClock } from '../../src/util/clock.js';
import { MemoryLogger } from '../../src/util/logger.js';
import { ManualClock } from '../../src/util/manual-clock.js';
import { eventually, httpGet } from '../echo/support.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';

describe('LeaseTrouble', () => {
  it('warns at the first failure, then at most once per 30 s with the attempts since the last warning; /readyz reason until the API answers', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const logger = new MemoryLogger();
    const trouble = new LeaseTrouble('tcpshift-system/tcpshift-controller', clock, logger);
    const forbidden = new Error('leases.coordination.k8s.io is forbidden');
    const warnings = () => logger.records.filter((r) => r.level === 'warn');
    expect(trouble.reason()).toBeUndefined();
    for (let i = 0; i < 10; i++) {
      trouble.attempted(forbidden);
      await clock.advance(2_000);
    }
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]?.fields).toMatchObject({ lease: 'tcpshift-system/tcpshift-controller', error: forbidden.message, attempts: 1 });
    await clock.advance(10_000); // 30 s after the first warning
    trouble.attempted(forbidden);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]?.fields).toMatchObject({ attempts: 10 });
    expect(trouble.reason()).toBe('cannot take Lease tcpshift-system/tcpshift-controller: leases.coordination.k8s.io is forbidden (11 failed attempts since 2026-01-01T00:00:00.000Z)');
    trouble.attempted(undefined);
    expect(trouble.reason()).toBeUndefined();
    expect(logger.records.at(-1)).toMatchObject({ level: 'info', msg: 'leader election Lease reachable again' });
    trouble.attempted(forbidden); // trouble again: warned at once
    expect(warnings()).toHaveLength(3);
  });
});

describe('a controller whose Lease namespace is missing', () => {
  let api: ShiftApi;
  let kube: KubeClient;
  let controller: RunningController | undefined;
  const logger = new MemoryLogger();

  beforeAll(async () => {
    api = await startShiftApi();
    kube = KubeClient.connect({ kubeconfig: api.kubeconfigPath });
  });
  afterAll(async () => {
    await controller?.stop();
    kube.close();
    await api.close();
  });

  it('logs the API error once (not per attempt), /readyz says why, and it leads once the namespace exists', async () => {
    controller = await startController({
      kube,
      identity: 'lease-test',
      lease: { name: 'tcpshift-controller', namespace: 'tcpshift-system', durationMs: 2_000, renewDeadlineMs: 1_000, retryPeriodMs: 50 },
      workers: 1,
      probeMode: 'light',
      probeAllow: ProbeAllowlist.parse('127.0.0.0/8'),
      probeBudgetConnections: 100,
      statusRefreshMs: 5_000,
      healthPort: 0,
      metricsPort: 0,
      host: '127.0.0.1',
      clock: systemClock,
      logger,
    });
    const healthPort = controller.healthPort;
    const attempts = () => api.server.requestLog().filter((r) => r.resource === 'leases' && r.verb === 'create').length;
    await eventually(() => attempts() >= 5, 30_000, 'five attempts on the Lease');
    const ready = await httpGet(healthPort, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatch(/^not ready: cannot take Lease tcpshift-system\/tcpshift-controller: .*tcpshift-system.* not found \(\d+ failed attempts since /);
    const warnings = logger.records.filter((r) => r.level === 'warn' && r.msg.startsWith('cannot take the leader election Lease'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.fields.error)).toMatch(/tcpshift-system.*not found/);

    api.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tcpshift-system' } });
    await eventually(() => controller?.isLeader() === true, 30_000, 'leadership');
    await eventually(async () => (await httpGet(healthPort, '/readyz')).status === 200, 30_000, '/readyz 200');
    expect(logger.records.some((r) => r.msg === 'leader election Lease reachable again')).toBe(true);
  });
});
