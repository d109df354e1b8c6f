// `kubectl apply -k` of each overlay against the sandbox's Kubernetes API emulator, in the order
// skaffold uses (its before-deploy hook applies the TCPShift CRD and waits for it, then the
// overlay): every object is accepted (the TCPShift by the CRD's schema at admission), reads back
// as applied, and applying again writes nothing. The emulator stores Deployments and Pods without
// running them, so this checks the API side of a deploy, not that the pods start.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { repoRoot } from '../support/cli.js';
import { startDeployCluster, type DeployCluster } from '../support/deploy-cluster.js';
import { OVERLAYS, kustomizeSkipReason, overlayDir, renderOverlay, type K8sObject, type Overlay } from '../support/deploy-kustomize.js';
import { sampleShift } from '../support/deploy-shift.js';

const CRD_FILE = path.join(repoRoot, 'manifests', 'crd', 'tcpshift.io_tcpshifts.yaml');
const objectKey = (o: K8sObject): string => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** The skaffold before-deploy hook: the CRD, then wait until it is served. */
async function applyCrdFirst(cluster: DeployCluster): Promise<void> {
  const crd = await cluster.kubectl(['apply', '-f', CRD_FILE]);
  expect(crd.code, crd.stderr).toBe(0);
  const wait = await cluster.kubectl(['wait', '--for', 'condition=established', '--timeout=20s', 'crd/tcpshifts.tcpshift.io']);
  expect(wait.code, wait.stderr).toBe(0);
}

async function applyOverlay(cluster: DeployCluster, overlay: Overlay): Promise<string[]> {
  const applied = await cluster.kubectl(['apply', '-k', overlayDir(overlay)]);
  expect(applied.code, applied.stderr).toBe(0);
  return applied.stdout.trim().split('\n');
}

async function readBack(cluster: DeployCluster, overlay: Overlay): Promise<Map<string, K8sObject>> {
  const got = await cluster.kubectl(['get', '-k', overlayDir(overlay), '-o', 'json']);
  expect(got.code, got.stderr).toBe(0);
  const items = (JSON.parse(got.stdout) as { items: K8sObject[] }).items;
  return new Map(items.map((o) => [objectKey(o), o]));
}

if (kustomizeSkipReason) console.log(`kubectl apply tests skipped: ${kustomizeSkipReason}`);

describe.skipIf(kustomizeSkipReason !== undefined)('kubectl apply -k against the API emulator', () => {
  let cluster: DeployCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it.each(OVERLAYS)('%s: every object is created and reads back as rendered', async (overlay) => {
    cluster = await startDeployCluster();
    await applyCrdFirst(cluster);
    const rendered = await renderOverlay(overlay);
    const lines = await applyOverlay(cluster, overlay);
    expect(lines.filter((l) => l.endsWith(' created'))).toHaveLength(rendered.length - 1);
    expect(lines).toContain('customresourcedefinition.apiextensions.k8s.io/tcpshifts.tcpshift.io configured');

    const stored = await readBack(cluster, overlay);
    expect([...stored.keys()].sort()).toEqual(rendered.map(objectKey).sort());
    for (const object of rendered.filter((o) => ['Deployment', 'VirtualService', 'DestinationRule', 'Gateway', 'TCPShift'].includes(o.kind))) {
      // The server only adds defaults (the TCPShift's from its CRD schema); nothing is dropped or changed.
      expect(stored.get(objectKey(object))?.spec, objectKey(object)).toMatchObject(object.spec as object);
    }
  });

  it('dev: applying again writes nothing; kubectl shows the TCPShift with its printer columns', async () => {
    cluster = await startDeployCluster();
    await applyCrdFirst(cluster);
    await applyOverlay(cluster, 'dev');
    const revision = cluster.server.revision();
    const again = await applyOverlay(cluster, 'dev');
    expect(cluster.server.revision(), 'resourceVersion after the second apply').toBe(revision);
    // kubectl always sends a PodDisruptionBudget's selector (patch strategy "replace"), so it
    // reports those as configured even though the server changes nothing.
    expect(again.filter((l) => !l.endsWith(' unchanged') && !l.startsWith('poddisruptionbudget.policy/'))).toEqual([]);

    const table = await cluster.kubectl(['get', 'tcpshifts', '-n', 'echo']);
    const [header, row] = table.stdout.trim().split('\n');
    expect(header?.trim().split(/\s{2,}/)).toEqual(['NAME', 'PHASE', 'STEP', 'CANARY WEIGHT', 'AGE']);
    expect(row?.split(/\s+/)[0]).toBe('echo');
  });

  it('dev: the CRD schema holds at admission: a TCPShift outside its bounds is refused, naming the field', async () => {
    cluster = await startDeployCluster();
    await applyCrdFirst(cluster);
    const { object } = sampleShift(await renderOverlay('dev'));
    const invalid = structuredClone(object) as K8sObject & { spec: { analysis: Record<string, unknown> } };
    invalid.spec.analysis.splitConfidence = 1;
    const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'echo' } };
    const refused = await cluster.kubectl(['apply', '-f', '-'], `${stringify(namespace)}---\n${stringify(invalid)}`);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('spec.analysis.splitConfidence');
    expect(readFileSync(CRD_FILE, 'utf8')).toContain('exclusiveMaximum: true');
  });
});
