// The controller-wide probe budget with a real controller process: with room for one shift's
// probes, a second shift waits (Degraded ProbeBudget, its route untouched) until the first one's
// probes stop, then runs. Light probes (one connection per shift) against a real echo server.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from '../../src/echo/index.js';
import type { KubeObject } from '../../src/kube/index.js';
import { silentLogger } from '../../src/util/logger.js';
import { packagePath } from '../../src/util/package-root.js';
import { startTestApiServer, virtualService, type TestApiServer } from '../support/apiserver-fixtures.js';
import { startControllerProcess, waitForObject, type ControllerProcess } from '../support/controller-e2e.js';
import { condition, type StoredShift } from '../support/controller-harness.js';
import { shiftDocument } from '../support/shift-fixtures.js';

const NS = 'budget';
let api: TestApiServer;
let echo: EchoServer;
let controller: ControllerProcess;

const ref = (name: string) => ({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name, namespace: NS });
const shift = (name: string) => (): StoredShift | undefined => {
  try {
    return api.server.objects.get(ref(name)) as unknown as StoredShift;
  } catch {
    return undefined;
  }
};

function createShift(name: string): void {
  api.server.objects.create(virtualService(name, [100, 0], NS) as unknown as KubeObject);
  const document = shiftDocument({
    'metadata.name': name,
    'metadata.namespace': NS,
    'spec.target.virtualService': name,
    'spec.probe.address': `127.0.0.1:${echo.ports[0]}`,
    'spec.schedule.steps': [50, 100],
    'spec.schedule.bake': '2s',
    'spec.analysis.drainDuration': '300ms',
  });
  api.server.objects.create(document as unknown as KubeObject);
}

const routeWrites = (name: string) => api.server.requestLog().filter((r) => r.verb === 'patch' && r.resource === 'virtualservices' && r.name === name);

beforeAll(async () => {
  api = await startTestApiServer();
  api.server.installCrds(readFileSync(packagePath('manifests', 'crd', 'tcpshift.io_tcpshifts.yaml'), 'utf8'));
  for (const ns of [NS, 'tcpshift-system']) api.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  echo = await startEchoServer({ version: 'v1', ports: [0], host: '127.0.0.1', healthPort: null, logger: silentLogger });
  controller = await startControllerProcess(api.kubeconfigPath, {
    identity: 'budget-ctl',
    leaseNamespace: 'tcpshift-system',
    args: ['--probe-mode', 'light', '--probe-budget-connections', '1'],
  });
  await controller.leading();
}, 60_000);

afterAll(async () => {
  await controller?.stop();
  await echo?.close();
  await api?.close();
});

describe('probe budget', () => {
  it('a shift beyond the budget waits with ProbeBudget and writes nothing until the running one ends, then runs', async () => {
    createShift('first');
    await waitForObject(shift('first'), (s) => s.status?.phase === 'Progressing', 'first progressing');
    createShift('second');
    const waiting = await waitForObject(shift('second'), (s) => condition(s, 'Degraded')?.reason === 'ProbeBudget', 'second waiting for the budget');
    expect(waiting.status?.phase).toBe('Pending');
    expect(condition(waiting, 'Degraded')?.message).toBe(
      "waiting for probe connections: needs 1 of the controller's 1 (--probe-budget-connections), next in line; nothing written yet",
    );
    expect(routeWrites('second')).toEqual([]);

    await waitForObject(shift('second'), (s) => s.status?.phase === 'Promoted', 'second promoted after the first');
    expect(shift('first')()?.status?.phase).toBe('Promoted');
    const log = api.server.requestLog();
    const isRouteWrite = (name: string) => (r: (typeof log)[number]) => r.verb === 'patch' && r.resource === 'virtualservices' && r.name === name;
    expect(log.filter(isRouteWrite('second'))).toHaveLength(2);
    expect(log.findIndex(isRouteWrite('second'))).toBeGreaterThan(log.findLastIndex(isRouteWrite('first')));
    expect(condition(shift('second')(), 'Degraded')?.status).toBe('False');
  }, 60_000);
});
