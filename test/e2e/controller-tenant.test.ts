// A controller shared by tenants, as a real process. A tenant points probe.address at an internal
// service that answers with a secret: the controller must not copy what that service sent into
// any status, Event or log line (not as a version name in status.steps[].newConnections.byVersion,
// not as the "corrupt echo" detail of a breach or pre-flight message). A tenant points it outside
// --probe-allow: refused, naming the field, with no connection and no route write.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControllerProcess, waitForObject, type ControllerProcess } from '../support/controller-e2e.js';
import type { StoredShift } from '../support/controller-harness.js';
import { virtualService } from '../support/apiserver-fixtures.js';
import { waitFor } from '../support/probe-wait.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';
import { shiftDocument } from '../support/shift-fixtures.js';

const TOKEN = 'sk-internal-7f3a9c1e5b2d4068';
const SECRET_LINE = `{"admin_token":"${TOKEN}"}`;

let api: ShiftApi;
let controller: ControllerProcess | undefined;
const servers: net.Server[] = [];

/** A server on loopback; `greet` writes what it sends on connect, `answer` what it sends per line. */
async function hostileServer(greet: string, answer: (line: string) => string, host = '127.0.0.1', onConnection = (): void => undefined): Promise<number> {
  const server = net.createServer((socket) => {
    onConnection();
    socket.on('error', () => undefined);
    socket.write(greet);
    let pending = '';
    socket.on('data', (d: Buffer) => {
      pending += d.toString();
      for (let i = pending.indexOf('\n'); i >= 0; i = pending.indexOf('\n')) {
        socket.write(answer(pending.slice(0, i)));
        pending = pending.slice(i + 1);
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as net.AddressInfo).port;
}

beforeAll(async () => {
  api = await startShiftApi();
  api.server.objects.create(virtualService('second', [100, 0], 'echo') as never);
});

afterAll(async () => {
  await controller?.kill();
  for (const s of servers) s.close();
  await api?.close();
});

const ref = (name: string) => ({ apiVersion: 'tcpshift.io/v1alpha1', kind: 'TCPShift', name, namespace: 'echo' });
const stored = (name: string) => (): StoredShift | undefined => {
  try {
    return api.server.objects.get(ref(name)) as unknown as StoredShift;
  } catch {
    return undefined;
  }
};

function createShift(name: string, virtualServiceName: string, port: number, host = '127.0.0.1'): void {
  api.server.objects.create(
    shiftDocument({
      'metadata.name': name,
      'spec.target.virtualService': virtualServiceName,
      'spec.schedule': { steps: [50, 100], bake: '3s' },
      'spec.probe.address': `${host}:${port}`,
      'spec.probe.longLived': { connections: 2, heartbeat: '300ms', timeout: '1s' },
      'spec.probe.newConnections': { perStep: 40, concurrency: 4 },
    }) as never,
  );
}

describe('peer bytes never reach status, Events or logs', () => {
  it('a server naming a secret as its version, and one answering with a secret, leave no trace of it', async () => {
    // Names its version with the secret, then echoes properly: every sample is unidentified.
    const versionPort = await hostileServer(`Version: ${SECRET_LINE} (pod)\n\n`, (line) => `${line}\n`);
    // Answers every line with the secret instead of the echo: corrupt before any weight change.
    const corruptPort = await hostileServer('\n', () => `${SECRET_LINE}\n`);
    // Loopback is the tests' "cluster"; 127.0.0.2 stands for a service outside the allowlist.
    controller = await startControllerProcess(api.kubeconfigPath, { identity: 'ctl-tenant', args: ['--probe-allow', '127.0.0.1/32'] });
    await controller.leading();
    createShift('by-version', 'echo', versionPort);
    createShift('by-corruption', 'second', corruptPort);

    // Stopped by the pre-flight (Degraded, nothing written) or rolled back / failed once running.
    const stopped = (s: StoredShift): boolean => s.status?.phase === 'RolledBack' || s.status?.phase === 'Failed' || s.status?.conditions?.find((c) => c.type === 'Degraded')?.status === 'True';
    const versioned = await waitForObject(stored('by-version'), stopped, 'by-version stopped', 40_000);
    const corrupted = await waitForObject(stored('by-corruption'), stopped, 'by-corruption stopped', 40_000);
    // The shifts did meet the hostile answers (so the test sees the paths it guards).
    expect(JSON.stringify(versioned.status)).toMatch(/unidentified|no version/i);
    expect(JSON.stringify(corrupted.status?.conditions)).toMatch(/corrupt|a line of \d+ bytes/);

    // The Events are recorded after the status write (the EventRecorder's batch): wait for them.
    await waitFor(() => api.server.objects.list('v1', 'Event', 'echo').length > 0, 'an Event recorded', 20_000);
    const events = api.server.objects.list('v1', 'Event', 'echo');
    const everything = [JSON.stringify(versioned), JSON.stringify(corrupted), JSON.stringify(events), ...controller.proc.lines, controller.proc.stderr];
    for (const text of everything) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('admin_token');
    }
  }, 90_000);

  it('a probe address outside --probe-allow: Failed, Degraded InvalidSpec naming spec.probe.address, no connection, no route write', async () => {
    let connections = 0;
    const port = await hostileServer('', (line) => `${line}\n`, '127.0.0.2', () => connections++);
    api.server.objects.create(virtualService('third', [100, 0], 'echo') as never);
    api.server.resetRequestCounts();
    createShift('outside', 'third', port, '127.0.0.2');
    const failed = await waitForObject(stored('outside'), (s) => s.status?.phase === 'Failed', 'outside refused');
    const degraded = failed.status?.conditions?.find((c) => c.type === 'Degraded');
    expect(degraded).toMatchObject({ status: 'True', reason: 'InvalidSpec', message: 'invalid spec: spec.probe.address: 127.0.0.2 is not in --probe-allow (127.0.0.1/32)' });
    expect(connections).toBe(0);
    expect(api.server.requestLog().some((r) => r.resource === 'virtualservices' && r.name === 'third')).toBe(false);
  }, 60_000);
});
