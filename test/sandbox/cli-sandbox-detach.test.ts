// `tcpshift sandbox up --detach` / `env` / `down` as a script uses them: up returns once the
// sandbox answers, printing exports that work with kubectl; sandbox.json names every listener
// and follows new ones; down stops every process and removes sandbox.json; a second up on the
// same dir is refused; env without a sandbox is exit 2.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxInfo } from '../../src/sandbox/index.js';
import { processExists } from '../../src/util/process-alive.js';
import { execBin } from '../support/cli.js';
import { kubectl, kubectlBinary } from '../support/kube-kubectl.js';
import { waitFor } from '../support/probe-wait.js';

describe.skipIf(!kubectlBinary)('tcpshift sandbox up --detach, env, down', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-detach-'));
  });
  afterAll(async () => {
    await execBin('tcpshift', ['sandbox', 'down', '--dir', path.join(root, 'sb')]);
    await rm(root, { recursive: true, force: true });
  });

  it('comes up in the background, lists its listeners, follows a new Gateway, and goes with down', async () => {
    const dir = path.join(root, 'sb');
    const up = await execBin('tcpshift', ['sandbox', 'up', '--detach', '--dir', dir, '--replicas', '1'], { timeoutMs: 150_000 });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(new RegExp(`^export KUBECONFIG=${dir}/kubeconfig$`, 'm'));
    const info = JSON.parse(readFileSync(path.join(dir, 'sandbox.json'), 'utf8')) as SandboxInfo;
    expect(processExists(info.pid)).toBe(true);
    expect(info.gateways).toContainEqual({ name: 'echo-gateway', namespace: 'echo', gatewayPort: 31400, host: info.gateway.host, port: info.gateway.port });
    expect(info.gateways.map((g) => `${g.name}:${g.gatewayPort}`)).toEqual(['echo-gateway:31400', 'echo-locality-gateway:31401']);
    expect(up.stdout).toContain(`# gateway echo/echo-gateway port 31400 -> ${info.gateway.host}:${info.gateway.port}`);

    const again = await execBin('tcpshift', ['sandbox', 'up', '--detach', '--dir', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`a sandbox is already running in ${dir} (pid ${info.pid})`);

    const gateway = 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {name: other, namespace: default}\nspec:\n  selector: {istio: ingressgateway}\n  servers: [{port: {number: 31402, name: tcp, protocol: TCP}, hosts: ["*"]}]\n';
    const applied = await kubectl({ kubeconfigPath: info.kubeconfig, dir }, ['apply', '-f', '-'], { input: gateway });
    expect(applied.code, applied.stderr).toBe(0);
    const listed = (): SandboxInfo['gateways'] => (JSON.parse(readFileSync(path.join(dir, 'sandbox.json'), 'utf8')) as SandboxInfo).gateways;
    await waitFor(() => listed().length === 3, 'sandbox.json naming the 31402 listener', 15_000);
    expect(listed()[2]).toMatchObject({ name: 'other', namespace: 'default', gatewayPort: 31402, host: '127.0.0.1' });
    const env = await execBin('tcpshift', ['sandbox', 'env', '--dir', dir]);
    expect(env.code).toBe(0);
    expect(env.stdout).toMatch(/# gateway default\/other port 31402 -> 127\.0\.0\.1:\d+/);

    const down = await execBin('tcpshift', ['sandbox', 'down', '--dir', dir], { timeoutMs: 60_000 });
    expect(down.code, down.stderr).toBe(0);
    expect(processExists(info.pid)).toBe(false);
    expect(existsSync(path.join(dir, 'sandbox.json'))).toBe(false);
    expect(readFileSync(path.join(dir, 'sandbox.log'), 'utf8')).toContain('sandbox stopped');
    expect((await execBin('tcpshift', ['sandbox', 'env', '--dir', dir])).code).toBe(2);
    const idle = await execBin('tcpshift', ['sandbox', 'down', '--dir', dir]);
    expect(idle).toMatchObject({ code: 0, stderr: expect.stringContaining('no sandbox is running') });
  }, 200_000);
});
