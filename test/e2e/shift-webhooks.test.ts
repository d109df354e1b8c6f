// `tcpshift shift` as a real process over the sandbox, with spec.webhooks delivered to a real HTTP
// server in this process: a pre-step hook signed with a key from a Kubernetes Secret (read
// through the API emulator) answers 500 before step 2, so the shift rolls back (exit 3) naming the
// hook; a Secret key that is not there is exit 2 with nothing written (the CLI program in process).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature, type HookPayload } from '../../src/hooks/index.js';
import { runCli } from '../../src/cli/program.js';
import type { ShiftReportDocument } from '../../src/report/index.js';
import { systemClock } from '../../src/util/clock.js';
import { repoRoot } from '../support/cli.js';
import { startHookReceiver, type HookReceiver } from '../support/hook-receiver.js';
import { startCli, startE2e, type E2eEnv } from '../support/shift-e2e.js';

const KEY = 'e2e-signing-key';
let env: E2eEnv;
let receiver: HookReceiver;
beforeAll(async () => {
  [env, receiver] = await Promise.all([startE2e(), startHookReceiver()]);
  env.sandbox.api.objects.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'hooks', namespace: 'echo' }, data: { hmac: Buffer.from(KEY).toString('base64') } });
}, 60_000);
afterAll(async () => {
  await receiver?.close();
  await env?.sandbox.stop();
});

const validate = new Ajv({ allErrors: true }).compile(JSON.parse(await readFile(path.join(repoRoot, 'schemas', 'report.schema.json'), 'utf8')) as object);

const vsVersion = (): string | undefined =>
  env.sandbox.api.objects.get({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', name: 'echo', namespace: 'echo' }).metadata.resourceVersion;

describe('spec.webhooks in a CLI shift', () => {
  it('a pre-step hook answering 500 before step 2 rolls back (exit 3) naming the hook; deliveries signed with the Secret key', async () => {
    receiver.script('/pre-step', [200, 500]);
    const file = await env.spec('webhooks', {
      'spec.webhooks': [
        { name: 'load-test', type: 'pre-step', url: receiver.url('/pre-step'), timeout: '5s', retries: 1, metadata: { pipeline: 'e2e' }, secret: { secretRef: { name: 'hooks', key: 'hmac' } } },
        { name: 'audit', type: 'event', url: receiver.url('/events'), retries: 0 },
      ],
    });
    const run = await startCli(['shift', '-f', file, ...env.flags('webhooks'), '--lock-ttl', '60s']).done;
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(env.weights()).toEqual([100, 0]);
    expect(run.stdout).toMatch(/hook load-test \(pre-step, step 1\): HTTP 200 in /);
    expect(run.stdout).toMatch(/! hook load-test \(pre-step, step 2\): HTTP 500 after 2 attempts in /);

    const deliveries = receiver.received('/pre-step');
    expect(deliveries).toHaveLength(3); // step 1 once; step 2 twice (500 is retried once)
    const payloads = deliveries.map((d) => JSON.parse(d.body) as HookPayload);
    expect(payloads.map((p) => [p.hook.type, p.step, p.weights.canary, p.metadata.pipeline, p.shift.namespace])).toEqual([
      ['pre-step', 1, 50, 'e2e', 'echo'],
      ['pre-step', 2, 100, 'e2e', 'echo'],
      ['pre-step', 2, 100, 'e2e', 'echo'],
    ]);
    expect(payloads[2]!.deliveryId).toBe(payloads[1]!.deliveryId); // a retry is the same delivery
    for (const d of deliveries) expect(verifySignature(KEY, d.body, d.headers['x-tcpshift-signature'] as string)).toBe(true);
    expect(verifySignature('not-the-key', deliveries[0]!.body, deliveries[0]!.headers['x-tcpshift-signature'] as string)).toBe(false);

    const report = JSON.parse(await readFile(path.join(env.sandbox.files.dir, 'webhooks', 'report.json'), 'utf8')) as ShiftReportDocument;
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.outcome).toBe('rolled-back');
    expect(`${report.rollback?.reason ?? ''} ${report.reason ?? ''}`).toMatch(/pre-step hook load-test failed: HTTP 500/);
    expect(report.hooks?.filter((h) => h.type === 'pre-step').map((h) => [h.step, h.ok, h.status, h.attempts])).toEqual([
      [1, true, 200, 1],
      [2, false, 500, 2],
    ]);
    const markdown = await readFile(path.join(env.sandbox.files.dir, 'webhooks', 'report.md'), 'utf8');
    expect(markdown).toMatch(/\| load-test \| pre-step \| 2 \| HTTP 500 \| 2 \|/);
    const events = receiver.received('/events').map((d) => (JSON.parse(d.body) as HookPayload).event?.type);
    expect(events).toContain('RolledBack');
  });

  it('a Secret without the key is exit 2 naming the field, the Secret and the key, with nothing written', async () => {
    const file = await env.spec('webhooks-no-key', {
      'spec.webhooks': [{ name: 'gate', type: 'pre-step', url: receiver.url('/never'), secret: { secretRef: { name: 'hooks', key: 'absent' } } }],
    });
    const before = vsVersion();
    // In process (the same program as the binary) to keep the file short.
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let errors = '';
    stderr.on('data', (d: Buffer) => (errors += d.toString()));
    const code = await runCli(['shift', '-f', file, ...env.flags('webhooks-no-key')], { stdout, stderr, env: {}, clock: systemClock, interrupts: new AbortController().signal });
    expect(code, errors).toBe(2);
    expect(errors).toMatch(/spec\.webhooks\[0\]\.secret\.secretRef: Secret echo\/hooks has no key absent/);
    expect(errors).not.toContain(KEY);
    expect(vsVersion()).toBe(before);
    expect(receiver.received('/never')).toHaveLength(0);
  });
});
