// `shift` refuses bad input with exit 2 before writing anything (counted at the API emulator).
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { holderAnnotations, initialState, stateAnnotations } from '../../src/shift/index.js';
import { virtualService } from '../support/apiserver-fixtures.js';
import { runTcpshift } from '../support/cli.js';
import { startShiftApi, type ShiftApi } from '../support/shift-apiserver.js';
import { shiftDocument } from '../support/shift-fixtures.js';

let api: ShiftApi;
let good: string;
beforeAll(async () => {
  api = await startShiftApi();
  good = await specFile('good.yaml');
});
afterAll(async () => api.close());
beforeEach(() => {
  const vs = api.vs();
  api.server.objects.update({ ...virtualService('echo', [100, 0], 'echo'), metadata: { ...vs.metadata, annotations: {}, labels: {} } });
  api.server.resetRequestCounts();
});

async function specFile(name: string, changes: Record<string, unknown> = {}): Promise<string> {
  const file = path.join(api.dir, name);
  await writeFile(file, stringify(shiftDocument(changes)));
  return file;
}

const shift = (...args: string[]) => runTcpshift(['shift', '--kubeconfig', api.kubeconfigPath, ...args]);

describe('shift: bad input writes nothing and exits 2', () => {
  it('an invalid spec names the field; nothing is even read', async () => {
    const file = path.join(api.dir, 'bad.yaml');
    await writeFile(file, stringify({ ...shiftDocument(), spec: { ...(shiftDocument().spec as object), schedul: {} } }));
    const run = await shift('-f', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/spec\.schedul/);
    expect(api.server.requestCounts()).toEqual({});
  });

  it('steps that do not increase are refused with their path', async () => {
    const run = await shift('-f', await specFile('steps.yaml', { 'spec.schedule.steps': [50, 20] }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/spec\.schedule\.steps\[1\]: must be greater than steps\[0\]/);
    expect(api.server.requestCounts()).toEqual({});
  });

  it('an unreadable file, a bad --probe-address, --lock-ttl or --api-deadline', async () => {
    expect((await shift('-f', path.join(api.dir, 'missing.yaml'))).stderr).toMatch(/-f .*missing.yaml: cannot read the file \(ENOENT\)/);
    const address = await shift('-f', good, '--probe-address', 'nowhere');
    expect(address).toMatchObject({ code: 2 });
    expect(address.stderr).toMatch(/--probe-address: 'nowhere' is not HOST:PORT/);
    const ttl = await shift('-f', good, '--lock-ttl', '10ms');
    expect(ttl.code).toBe(2);
    expect(ttl.stderr).toMatch(/--lock-ttl: '10ms' is not a duration of at least 1s/);
    const deadline = await shift('-f', good, '--api-deadline', 'soon');
    expect(deadline.code).toBe(2);
    expect(deadline.stderr).toMatch(/--api-deadline: 'soon' is not a duration of at least 1s/);
    expect(api.writes()).toEqual({});
  });

  it('a route the spec does not match is refused after reading it, before any write', async () => {
    const run = await shift('-f', await specFile('port.yaml', { 'spec.target.matchPort': 31999 }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/VirtualService echo\/echo cannot be shifted: .*no tcp route matching port 31999/);
    expect(api.server.requestCounts()).toMatchObject({ 'get virtualservices': 1 });
    expect(api.writes()).toEqual({});
  });

  it('a missing route is named', async () => {
    const run = await shift('-f', await specFile('novs.yaml', { 'spec.target.virtualService': 'nope' }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/VirtualService echo\/nope not found/);
    expect(api.writes()).toEqual({});
  });

  it('a route with a live holder is busy: refused, nothing written', async () => {
    const vs = api.vs();
    const annotations = { ...(stateAnnotations({ ...initialState(Date.now()), phase: 'baking', stepIndex: 0 }, 3) as Record<string, string>), ...(holderAnnotations('other-host/77/abc', Date.now() + 60_000) as Record<string, string>) };
    api.server.objects.update({ ...vs, metadata: { ...vs.metadata, annotations } });
    api.server.resetRequestCounts();
    const run = await shift('-f', good);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/shift demo is running in other-host\/77\/abc .*refusing to run a second shift of the same route/);
    expect(api.writes()).toEqual({});
  });

  it('an unknown kubeconfig context is bad input', async () => {
    const run = await shift('-f', good, '--context', 'nope');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--context: context "nope" not found/);
  });
});
