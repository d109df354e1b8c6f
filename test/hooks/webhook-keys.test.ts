// Signing keys of spec.webhooks[].secret: from a file, or from a Secret through the API emulator
// (real HTTP, src/kube); each failure names the spec field and the object.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySources, readWebhookKeys, WebhookKeyError } from '../../src/hooks/index.js';
import { KubeClient } from '../../src/kube/index.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver-fixtures.js';
import { shiftFor } from '../support/shift-fixtures.js';

let api: TestApiServer;
let kube: KubeClient;
let dir: string;
beforeAll(async () => {
  api = await startTestApiServer();
  api.server.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } });
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hooks', namespace: 'echo' }, data: { hmac: Buffer.from('from-secret\n').toString('base64'), empty: '' } };
  api.server.objects.create(secret);
  kube = KubeClient.connect({ kubeconfig: api.kubeconfigPath }, { retry: { maxAttempts: 1 } });
  dir = await mkdtemp(path.join(os.tmpdir(), 'tcpshift-keys-'));
});
afterAll(async () => {
  kube.close();
  await api.close();
  await rm(dir, { recursive: true, force: true });
});

function shiftWithSecrets(...secrets: object[]) {
  return shiftFor({ 'spec.webhooks': secrets.map((secret, i) => ({ name: `h${i}`, type: 'event', url: 'https://ci.example/h', secret })) });
}

async function refusal(secret: object): Promise<WebhookKeyError> {
  const error = await readWebhookKeys(shiftWithSecrets({ file: path.join(dir, 'ok') }, secret), keySources(kube)).catch((e: unknown) => e);
  if (!(error instanceof WebhookKeyError)) throw new Error(`expected a WebhookKeyError, got ${String(error)}`);
  return error;
}

describe('webhook signing keys', () => {
  it('reads a file and a Secret key, less one trailing newline', async () => {
    await writeFile(path.join(dir, 'ok'), 'from-file\r\n');
    const keys = await readWebhookKeys(shiftWithSecrets({ file: path.join(dir, 'ok') }, { secretRef: { name: 'hooks', key: 'hmac' } }), keySources(kube));
    expect([...keys].map(([name, key]) => [name, key.toString()])).toEqual([
      ['h0', 'from-file'],
      ['h1', 'from-secret'],
    ]);
  });

  it('names the field and the object when a key cannot be read', async () => {
    expect((await refusal({ file: path.join(dir, 'absent') })).message).toMatch(/^spec\.webhooks\[1\]\.secret\.file: cannot read .*absent: .*ENOENT/);
    expect((await refusal({ secretRef: { name: 'nope', key: 'hmac' } })).message).toBe('spec.webhooks[1].secret.secretRef: Secret echo/nope not found');
    expect((await refusal({ secretRef: { name: 'hooks', key: 'other' } })).message).toBe('spec.webhooks[1].secret.secretRef: Secret echo/hooks has no key other');
    expect((await refusal({ secretRef: { name: 'hooks', key: 'empty' } })).message).toBe('spec.webhooks[1].secret.secretRef: key empty of Secret echo/hooks is empty');
  });

  it('refuses a FIFO without waiting for a writer', async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect((await refusal({ file: fifo })).message).toMatch(/secret\.file: cannot read .*fifo: not a regular file/);
  });
});
