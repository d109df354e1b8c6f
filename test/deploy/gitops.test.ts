// The Argo CD Application of manifests/gitops: its ignoreDifferences hide exactly what tcpshift
// writes at run time (the owned route's weights, tcpshift.io/ annotations) and nothing else, and
// sync keeps the live values. Argo CD applies each jqPathExpression as `del(<expression>)` with
// gojq; these tests run the same deletion with the jq binary when it is installed.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { istioWeightPatch } from '../../src/istio/weight-patch.js';
import type { VirtualService } from '../../src/istio/types.js';
import { applyJsonPatch } from '../../src/util/json-patch.js';
import { repoRoot } from '../support/cli.js';
import { yamlObjects } from '../support/deploy-kustomize.js';
import { sampleShift } from '../support/deploy-shift.js';

interface Application {
  spec: {
    source: { path: string };
    syncPolicy: { syncOptions: string[] };
    ignoreDifferences: Array<{ group: string; kind: string; name?: string; namespace?: string; jqPathExpressions: string[] }>;
  };
}

const application = parse(readFileSync(path.join(repoRoot, 'manifests', 'gitops', 'argocd-application.yaml'), 'utf8')) as Application;
const read = (...parts: string[]): string => readFileSync(path.join(repoRoot, 'manifests', ...parts), 'utf8');
const { shift } = sampleShift(yamlObjects(read('samples', 'tcpshift-echo.yaml')));
const shippedVs = yamlObjects(read('istio', 'virtualservice.yaml'))[0] as unknown as VirtualService;
const vsRule = application.spec.ignoreDifferences.find((d) => d.kind === 'VirtualService');

const run = promisify(execFile);
const jqMissing = await run('jq', ['--version']).then(
  () => undefined,
  () => 'jq is not installed on this machine',
);
if (jqMissing) console.log(`Argo CD ignoreDifferences expressions not evaluated: ${jqMissing}`);

/** What Argo CD compares: the object with every ignored path deleted, one expression after another. */
async function normalize(object: unknown): Promise<unknown> {
  let current = object;
  for (const expression of vsRule?.jqPathExpressions ?? []) {
    current = JSON.parse((await jqOn(current, `del(${expression})`)).trim()) as unknown;
  }
  return current;
}

function jqOn(input: unknown, program: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('jq', ['-c', program], (err, stdout) => (err ? reject(new Error(`jq ${program}: ${err.message}`)) : resolve(stdout)));
    child.stdin?.end(JSON.stringify(input));
  });
}

/** The VirtualService as Git has it, plus a route and an annotation tcpshift does not own. */
function inGit(): VirtualService {
  const vs = structuredClone(shippedVs);
  vs.metadata.annotations = { ...vs.metadata.annotations, 'example.com/team': 'payments' };
  vs.spec.tcp?.push({
    match: [{ port: 31401 }],
    route: [
      { destination: { host: 'other.echo.svc.cluster.local', subset: 'a' }, weight: 70 },
      { destination: { host: 'other.echo.svc.cluster.local', subset: 'b' }, weight: 30 },
    ],
  });
  return vs;
}

/**
 * The same object in the cluster after tcpshift moved the canary to `weight` (its real weight
 * patch) and recorded its state; server-set metadata (resourceVersion), which Argo CD never
 * compares, is left out.
 */
function live(weight: number): VirtualService {
  const vs = { ...inGit(), metadata: { ...inGit().metadata, resourceVersion: '7' } };
  const { metadata, ...rest } = applyJsonPatch(vs, istioWeightPatch(vs, shift.spec, weight));
  const { resourceVersion, ...kept } = metadata;
  expect(resourceVersion).toBe('7');
  return { ...rest, metadata: { ...kept, annotations: { ...kept.annotations, 'tcpshift.io/state': '{"step":1}' } } };
}

describe('Argo CD Application (manifests/gitops)', () => {
  it('deploys an overlay that exists and keeps ignored live values on sync (RespectIgnoreDifferences)', () => {
    expect(application.spec.source.path).toMatch(/^kustomize\/overlays\//);
    expect(readFileSync(path.join(repoRoot, application.spec.source.path, 'kustomization.yaml'), 'utf8')).toContain('Kustomization');
    expect(application.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
  });

  it('ignores differences only on the VirtualService the TCPShift shifts', () => {
    expect(application.spec.ignoreDifferences).toHaveLength(1);
    expect(vsRule).toMatchObject({ group: 'networking.istio.io', kind: 'VirtualService', name: shift.spec.target.virtualService, namespace: shift.namespace });
  });

  it.skipIf(jqMissing !== undefined)('a shift in progress is no drift: Git and live normalize to the same object', async () => {
    expect(await normalize(live(25))).toEqual(await normalize(inGit()));
    expect(await normalize(live(100))).toEqual(await normalize(inGit()));
  });

  it.skipIf(jqMissing !== undefined)('removes exactly the owned weights and the tcpshift.io/ annotations', async () => {
    const normalized = (await normalize(live(25))) as VirtualService;
    const [owned, other] = normalized.spec.tcp ?? [];
    expect(owned?.route.map((r) => r.weight)).toEqual([undefined, undefined]);
    expect(owned?.route.map((r) => r.destination.subset)).toEqual(['v1', 'v2']);
    expect(other?.route.map((r) => r.weight)).toEqual([70, 30]);
    expect(normalized.metadata.annotations).toEqual({ 'example.com/team': 'payments' });
  });

  it.skipIf(jqMissing !== undefined)('every other change is still drift: another route\'s weight, another annotation, the owned route\'s destinations', async () => {
    const git = await normalize(inGit());
    const otherWeight = live(25);
    otherWeight.spec.tcp![1]!.route[0]!.weight = 60;
    const otherAnnotation = live(25);
    otherAnnotation.metadata.annotations = { ...otherAnnotation.metadata.annotations, 'example.com/team': 'search' };
    const otherSubset = live(25);
    otherSubset.spec.tcp![0]!.route[1]!.destination.subset = 'v3';
    for (const changed of [otherWeight, otherAnnotation, otherSubset]) expect(await normalize(changed)).not.toEqual(git);
  });
});
