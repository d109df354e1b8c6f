// The sandbox with the gateway-api provider and Istio tcp-echo style pods (prefixes, no banner),
// one pod per version, in a temporary directory.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { parseTCPShiftText } from '../../src/spec/parse-tcpshift.js';
import { waitFor } from '../support/probe-wait.js';
import { TestClient } from '../support/sandbox-clients.js';

/** What a prefix echo answers to one line, or undefined when the gateway closed the connection. */
async function echoed(port: number, line: string): Promise<string | undefined> {
  const client = await TestClient.connect(port);
  try {
    client.write(`${line}\n`);
    const text = await client.waitForText((t) => t.endsWith(`${line}\n`), 5000);
    return text.trim();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

describe('sandbox with the gateway-api provider', () => {
  let sandbox: Sandbox;
  const port = (): number => sandbox.info.gateway.port;
  const setBackendWeights = async (v1: number, v2: number): Promise<void> => {
    await sandbox.kube.tcpRoutes.patch('echo', 'echo', {
      type: 'json',
      ops: [
        { op: 'replace', path: '/spec/rules/0/backendRefs/0/weight', value: v1 },
        { op: 'replace', path: '/spec/rules/0/backendRefs/1/weight', value: v2 },
      ],
    });
    const expected = [v1, v2].filter((w) => w > 0);
    await waitFor(() => JSON.stringify(sandbox.gateway.listener(31400)?.tcpProxy?.clusters.map((c) => c.weight)) === JSON.stringify(expected), `weights ${v1}/${v2}`);
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ provider: 'gateway-api', prefixes: { v1: 'one', v2: 'two' }, banner: 'none', replicas: 1, drainMs: 500 });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('routes through the TCPRoute, not a VirtualService, and pods answer like tcp-echo', async () => {
    expect(await sandbox.kube.virtualServices.find('echo', 'echo')).toBeUndefined();
    expect(sandbox.gateway.listener(31400)?.tcpProxy?.source).toBe('TCPRoute echo/echo');
    expect(await echoed(port(), 'ping')).toBe('one ping');
    await setBackendWeights(0, 100);
    expect(await echoed(port(), 'ping')).toBe('two ping');
    await setBackendWeights(100, 0);
  });

  it('writes the Gateway API shift with prefix identification', async () => {
    const parsed = parseTCPShiftText(await readFile(sandbox.files.shiftYaml, 'utf8'));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.shift.spec.provider).toBe('gateway-api');
    expect(parsed.shift.spec.probe.identify).toEqual({ mode: 'prefix', stable: 'one', canary: 'two' });
    expect(parsed.shift.spec.probe.address).toEqual({ host: '127.0.0.1', port: port() });
  });

  it('a version fault also covers the pod that replaces a deleted one', async () => {
    await sandbox.setFault({ version: 'v2' }, 'refuse');
    await setBackendWeights(0, 100);
    expect(await echoed(port(), 'ping')).toBeUndefined();
    const [old] = sandbox.pods().filter((p) => p.version === 'v2');
    await sandbox.deletePod(old!.name);
    await waitFor(() => sandbox.gateway.endpoints(sandbox.gateway.listener(31400)!.tcpProxy!.clusters[0]!.cluster).length === 1, 'the replacement routed');
    expect(sandbox.pods().find((p) => p.version === 'v2')?.name).not.toBe(old!.name);
    expect(await echoed(port(), 'ping')).toBeUndefined();
    await sandbox.setFault({ version: 'v2' }, 'pass');
    expect(await echoed(port(), 'ping')).toBe('two ping');
  });

  it('stop is idempotent and removes the temporary directory', async () => {
    const dir = sandbox.files.dir;
    await Promise.all([sandbox.stop(), sandbox.stop()]);
    expect(existsSync(dir)).toBe(false);
    await expect(TestClient.connect(port())).rejects.toThrow(/ECONNREFUSED/);
  });
});
