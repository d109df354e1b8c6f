// Without a usable kubeconfig every cluster verb is exit 2 saying what to give, never client-node's
// "HTTP protocol is not allowed" (exit 1); `help A B` prints B's help.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTcpshift } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tcpshift-kubeconfig-'));

describe('a missing or unusable kubeconfig', () => {
  it('none at all (no KUBECONFIG, no ~/.kube/config, not in a cluster): exit 2 naming --kubeconfig, KUBECONFIG and sandbox env', async () => {
    // client-node's loadFromDefault reads the process environment itself
    const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST };
    Object.assign(process.env, { HOME: dir, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '' });
    const run = await runTcpshift(['status', 'echo', '-n', 'echo']).finally(() => {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/no kubeconfig found .*give --kubeconfig PATH or set KUBECONFIG \(for the sandbox: eval "\$\(tcpshift sandbox env\)"\)/);
    expect(run.stderr).not.toMatch(/HTTP protocol is not allowed/);
  });

  it('a kubeconfig naming a plain HTTP server: exit 2 before any request', async () => {
    const file = path.join(dir, 'http.yaml');
    writeFileSync(file, [
      'apiVersion: v1', 'kind: Config', 'current-context: c',
      'clusters: [{name: plain, cluster: {server: "http://127.0.0.1:9"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: plain, user: u}}]',
    ].join('\n'));
    const run = await runTcpshift(['promote', 'echo', '--kubeconfig', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cluster plain of the kubeconfig is plain HTTP \(http:\/\/127.0.0.1:9\)/);
  });
});

describe('help', () => {
  it('help sandbox up prints the help of sandbox up', async () => {
    const run = await runTcpshift(['help', 'sandbox', 'up']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: tcpshift sandbox up/m);
  });
});
