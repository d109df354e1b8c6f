// Every kustomize overlay, as `kubectl kustomize` renders it: the objects a cluster gets, valid
// for their schemas (upstream Istio CRDs, istiod's webhook rules, the generated TCPShift CRD and
// tcpshift's own parser), consistent with each other (the routing objects are what tcpshift
// renders for the shipped TCPShift; subsets select the echo pods) and tuned per environment.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderIstioResources } from '../../src/istio/render.js';
import { validateVirtualService } from '../../src/istio/webhook-rules.js';
import { shippedCrdValidator, type CrdObjectValidator } from '../../src/spec/crd-validator.js';
import { tcpshiftCrd } from '../../src/spec/tcpshift-crd.js';
import { parseDuration } from '../../src/util/duration.js';
import { repoRoot } from '../support/cli.js';
import {
  OVERLAYS,
  flagValue,
  kustomizeSkipReason,
  ofKind,
  renderOverlay,
  selects,
  theObject,
  type Deployment,
  type K8sObject,
  type Overlay,
  type Service,
} from '../support/deploy-kustomize.js';
import { sampleShift, tcpshiftCrdValidator } from '../support/deploy-shift.js';

const packageVersion = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** kind namespace/name of every object each overlay must render, and nothing else. */
const EXPECTED_OBJECTS = [
  'CustomResourceDefinition /tcpshifts.tcpshift.io',
  'Namespace /tcpshift-system',
  'Namespace /echo',
  'ServiceAccount tcpshift-system/tcpshift-controller',
  'ClusterRole /tcpshift-controller',
  'ClusterRoleBinding /tcpshift-controller',
  'Role tcpshift-system/tcpshift-controller-leader-election',
  'RoleBinding tcpshift-system/tcpshift-controller-leader-election',
  'Deployment tcpshift-system/tcpshift-controller',
  'PodDisruptionBudget tcpshift-system/tcpshift-controller',
  'Service tcpshift-system/tcpshift-controller-metrics',
  'NetworkPolicy tcpshift-system/tcpshift-controller-egress',
  'Service echo/echo',
  'Deployment echo/echo-v1',
  'Deployment echo/echo-v2',
  'PodDisruptionBudget echo/echo-v1',
  'PodDisruptionBudget echo/echo-v2',
  'Gateway echo/echo-gateway',
  'DestinationRule echo/echo',
  'VirtualService echo/echo',
  'TCPShift echo/echo',
].sort();

const istioValidators = new Map<string, CrdObjectValidator>();
/** The upstream Istio CRD schema of this object's kind and version (compiled once per file). */
function istioValidator(o: K8sObject): CrdObjectValidator {
  const version = o.apiVersion.split('/')[1] ?? '';
  const key = `${o.kind}/${version}`;
  let validator = istioValidators.get(key);
  if (!validator) istioValidators.set(key, (validator = shippedCrdValidator('istio-crds.yaml', o.kind, version)));
  return validator;
}

const describeObject = (o: K8sObject): string => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const ISTIO_KINDS = ['Gateway', 'DestinationRule', 'VirtualService'];

function envValue(deployment: Deployment, name: string): string | undefined {
  return deployment.spec.template.spec.containers[0]?.env?.find((e) => e.name === name)?.value;
}

function durationOf(text: unknown): number {
  const ms = typeof text === 'string' ? parseDuration(text) : undefined;
  if (ms === undefined) throw new Error(`not a duration: ${String(text)}`);
  return ms;
}

if (kustomizeSkipReason) console.log(`overlay tests skipped: ${kustomizeSkipReason}`);

describe.skipIf(kustomizeSkipReason !== undefined).each(OVERLAYS)('overlay %s', (overlay: Overlay) => {
  const objects = (): Promise<K8sObject[]> => renderOverlay(overlay);

  it('renders exactly the expected objects, each namespaced one in a namespace the overlay creates', async () => {
    const all = await objects();
    expect(all.map(describeObject).sort()).toEqual(EXPECTED_OBJECTS);
    const namespaces = new Set(ofKind(all, 'Namespace').map((n) => n.metadata.name));
    for (const o of all.filter((x) => x.metadata.namespace !== undefined)) expect(namespaces, describeObject(o)).toContain(o.metadata.namespace);
  });

  it('every Istio object is valid for the upstream Istio CRD schema of its version; the VirtualService passes istiod webhook rules', async () => {
    const all = await objects();
    for (const o of all.filter((x) => ISTIO_KINDS.includes(x.kind))) expect(istioValidator(o)(o), describeObject(o)).toEqual([]);
    expect(validateVirtualService(theObject(all, 'VirtualService', 'echo'))).toEqual([]);
  });

  it('the TCPShift is valid for the generated CRD and for tcpshift\'s parser; the CRD is the generated one', async () => {
    const all = await objects();
    const { object } = sampleShift(all);
    expect(tcpshiftCrdValidator()(object)).toEqual([]);
    const crd = theObject(all, 'CustomResourceDefinition', 'tcpshifts.tcpshift.io');
    expect(crd.spec).toEqual(tcpshiftCrd().spec);
  });

  it('the Gateway, DestinationRule and VirtualService are what `tcpshift render` gives for the TCPShift at weight 0', async () => {
    const all = await objects();
    const { shift } = sampleShift(all);
    const rendered = renderIstioResources(shift, 0);
    expect(rendered.map((r) => r.kind).sort()).toEqual([...ISTIO_KINDS].sort());
    for (const r of rendered) {
      const shipped = theObject(all, r.kind, r.metadata.name);
      expect(shipped.metadata.namespace).toBe(r.metadata.namespace);
      expect(shipped.spec, `${r.kind} ${r.metadata.name}`).toEqual(r.spec);
      expect(shipped.metadata.labels).toMatchObject(r.metadata.labels ?? {});
      expect(shipped.metadata.annotations).toMatchObject(r.metadata.annotations ?? {});
    }
  });

  it('each DestinationRule subset selects one echo Deployment, which answers as that subset; the Service selects both on the shift port', async () => {
    const all = await objects();
    const { shift } = sampleShift(all);
    const rule = theObject<K8sObject & { spec: { subsets: Array<{ name: string; labels: Record<string, string> }> } }>(all, 'DestinationRule', shift.spec.target.destinationRule);
    const service = theObject<Service>(all, 'Service', 'echo');
    const deployments = ofKind<Deployment>(all, 'Deployment').filter((d) => d.metadata.namespace === service.metadata.namespace);
    for (const subset of rule.spec.subsets) {
      const matching = deployments.filter((d) => selects({ matchLabels: subset.labels }, d.spec.template.metadata.labels));
      expect(matching.map((d) => d.metadata.name), subset.name).toEqual([`echo-${subset.name}`]);
      const pod = matching[0]!.spec.template;
      expect(selects({ matchLabels: service.spec.selector }, pod.metadata.labels)).toBe(true);
      // The server's version comes from the pod's own version label (downward API): it names its subset.
      const version = pod.spec.containers[0]?.env?.find((e) => e.name === 'VERSION');
      expect(version?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.labels['version']");
      expect(pod.metadata.labels?.version).toBe(subset.name);
      expect(flagValue(pod.spec.containers[0]?.args ?? [], '--port')).toBe(String(shift.spec.target.port));
    }
    const port = service.spec.ports.find((p) => p.port === shift.spec.target.port);
    expect(port?.name).toMatch(/^tcp(-|$)/);
    expect(port?.appProtocol).toBe('tcp');
    expect(`${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local`).toBe(shift.spec.target.host);
  });

  it(`images are ghcr.io/tcpshift/<image>:${packageVersion} (the package version), never latest or untagged`, async () => {
    const all = await objects();
    const images = ofKind<Deployment>(all, 'Deployment').flatMap((d) => d.spec.template.spec.containers.map((c) => c.image));
    expect(new Set(images)).toEqual(new Set([`ghcr.io/tcpshift/tcpshift:${packageVersion}`, `ghcr.io/tcpshift/tcpshift-echo:${packageVersion}`]));
  });

  it('the schedule bakes each step longer than the gateway drain, so each step sees its own drain wave', async () => {
    const { object } = sampleShift(await objects());
    const spec = object.spec as { schedule: { bake: string }; analysis: { drainDuration: string } };
    expect(durationOf(spec.schedule.bake)).toBeGreaterThan(durationOf(spec.analysis.drainDuration));
  });
});

describe.skipIf(kustomizeSkipReason !== undefined)('what differs between overlays', () => {
  const controller = async (overlay: Overlay): Promise<Deployment> => theObject<Deployment>(await renderOverlay(overlay), 'Deployment', 'tcpshift-controller');
  const schedule = async (overlay: Overlay): Promise<{ steps: number[]; bakeMs: number }> => sampleShift(await renderOverlay(overlay)).shift.spec.schedule;

  it('dev: one controller replica with debug logs, a fast schedule', async () => {
    const dev = await controller('dev');
    expect(dev.spec.replicas).toBe(1);
    expect(envValue(dev, 'LOG_LEVEL')).toBe('debug');
    const fast = await schedule('dev');
    expect(fast.bakeMs).toBeLessThanOrEqual(30_000);
    expect(fast.steps.length).toBeLessThanOrEqual(3);
  });

  it('staging and prod: info logs; prod more cautious than staging (smaller first step, longer bake)', async () => {
    for (const overlay of ['staging', 'prod', 'asm'] as const) expect(envValue(await controller(overlay), 'LOG_LEVEL'), overlay).toBe('info');
    const staging = await schedule('staging');
    const prod = await schedule('prod');
    expect(prod.steps[0]).toBeLessThan(staging.steps[0]!);
    expect(prod.bakeMs).toBeGreaterThan(staging.bakeMs);
    expect(prod.steps.at(-1)).toBe(100);
  });

  it('asm: the echo namespace picks the control-plane revision; the Gateway and the TCPShift select that revision\'s gateway pods', async () => {
    const all = await renderOverlay('asm');
    const labels = theObject(all, 'Namespace', 'echo').metadata.labels ?? {};
    const revision = labels['istio.io/rev'];
    expect(revision).toMatch(/^asm-/);
    expect(labels['istio-injection']).toBeUndefined();
    const gateway = theObject<K8sObject & { spec: { selector: Record<string, string> } }>(all, 'Gateway', 'echo-gateway');
    expect(gateway.spec.selector).toEqual({ istio: 'ingressgateway', 'istio.io/rev': revision });
    expect(sampleShift(all).shift.spec.target.gatewaySelector).toEqual(gateway.spec.selector);
  });

  it('the other overlays inject sidecars with istio-injection and leave the default gateway selector', async () => {
    for (const overlay of ['dev', 'staging', 'prod'] as const) {
      const all = await renderOverlay(overlay);
      expect(theObject(all, 'Namespace', 'echo').metadata.labels?.['istio-injection'], overlay).toBe('enabled');
      expect((theObject(all, 'Gateway', 'echo-gateway').spec as { selector: unknown }).selector).toEqual({ istio: 'ingressgateway' });
    }
  });
});

/** Fields kustomize deprecated (kustomize edit fix rewrites them); none may appear. */
const DEPRECATED_FIELDS = ['bases', 'patchesStrategicMerge', 'patchesJson6902', 'commonLabels', 'vars', 'imageTags'];

function kustomizationFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) return kustomizationFiles(p);
    return entry === 'kustomization.yaml' ? [p] : [];
  });
}

describe('kustomizations', () => {
  const files = [...kustomizationFiles(path.join(repoRoot, 'kustomize')), ...kustomizationFiles(path.join(repoRoot, 'manifests'))];

  it('exist for the base, four overlays and the asm component', () => {
    const relative = files.map((f) => path.relative(repoRoot, f));
    for (const dir of ['kustomize/base', ...OVERLAYS.map((o) => `kustomize/overlays/${o}`), 'kustomize/components/asm']) expect(relative).toContain(`${dir}/kustomization.yaml`);
  });

  it('use no deprecated field (bases, patchesStrategicMerge, patchesJson6902, commonLabels, vars, imageTags)', () => {
    for (const file of files) {
      const doc = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      expect(Object.keys(doc).filter((k) => DEPRECATED_FIELDS.includes(k)), path.relative(repoRoot, file)).toEqual([]);
      expect(doc.apiVersion, file).toMatch(/^kustomize\.config\.k8s\.io\/v1(beta1|alpha1)$/);
    }
  });
});
