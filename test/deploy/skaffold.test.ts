// skaffold.yaml: valid for the upstream v4beta14 JSON schema (schemas/skaffold-schema.json), and
// consistent with the rest: its artifacts are the Dockerfile's targets and the images the
// manifests name, its profiles are the overlays, its port-forwards reach objects that exist.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { packagePath } from '../../src/util/package-root.js';
import { repoRoot } from '../support/cli.js';
import { stageNamed, readDockerfile } from '../support/deploy-dockerfile.js';
import { OVERLAYS, kustomizeSkipReason, ofKind, renderOverlay, theObject, type Deployment, type Overlay, type Service } from '../support/deploy-kustomize.js';
import { sampleShift } from '../support/deploy-shift.js';

interface PortForward {
  resourceType: string;
  resourceName: string;
  namespace: string;
  port: number;
  localPort: number;
}

interface Skaffold {
  apiVersion: string;
  build: { artifacts: Array<{ image: string; docker: { dockerfile: string; target: string } }> };
  manifests: { kustomize: { paths: string[] } };
  deploy: { kubectl: { hooks: { before: Array<{ host: { command: string[] } }> } } };
  portForward: PortForward[];
  profiles: Array<{ name: string; manifests?: { kustomize: { paths: string[] } }; portForward?: PortForward[] }>;
}

const skaffoldText = readFileSync(path.join(repoRoot, 'skaffold.yaml'), 'utf8');
const skaffold = parse(skaffoldText) as Skaffold;

function skaffoldSchemaErrors(config: unknown): ErrorObject[] {
  const schema = JSON.parse(readFileSync(packagePath('schemas', 'skaffold-schema.json'), 'utf8')) as Record<string, unknown>;
  const validate = new Ajv({ strict: false, allErrors: true, logger: false }).compile(schema);
  return validate(config) ? [] : (validate.errors ?? []);
}

function profile(name: Overlay): Skaffold['profiles'][number] {
  const found = skaffold.profiles.find((p) => p.name === name);
  if (!found) throw new Error(`no skaffold profile ${name}`);
  return found;
}

const portForwardsOf = (name: Overlay): PortForward[] => profile(name).portForward ?? skaffold.portForward;
const imageName = (image: string): string => image.replace(/:[^/:]+$/, '');

describe('skaffold.yaml', () => {
  it('is valid for the skaffold v4beta14 JSON schema', () => {
    expect(skaffold.apiVersion).toBe('skaffold/v4beta14');
    expect(skaffoldSchemaErrors(skaffold)).toEqual([]);
  });

  it('the schema check is not vacuous: a misspelled field is rejected', () => {
    const typo = parse(skaffoldText) as { build: { artifacts: unknown[] } };
    typo.build.artifacts[0] = { image: 'x', docker: { dockerfile: 'Dockerfile', targt: 'tcpshift' } };
    expect(skaffoldSchemaErrors(typo).some((e) => e.keyword === 'additionalProperties' && (e.params as { additionalProperty: string }).additionalProperty === 'targt')).toBe(true);
  });

  it('builds one artifact per Dockerfile target: tcpshift and tcpshift-echo', () => {
    const dockerfile = readDockerfile();
    expect(skaffold.build.artifacts.map((a) => a.docker.target).sort()).toEqual(['tcpshift', 'tcpshift-echo']);
    for (const artifact of skaffold.build.artifacts) {
      expect(existsSync(path.join(repoRoot, artifact.docker.dockerfile))).toBe(true);
      expect(stageNamed(dockerfile, artifact.docker.target)).toBeDefined();
      expect(artifact.image.endsWith(`/${artifact.docker.target}`), artifact.image).toBe(true);
    }
  });

  it('has the profiles dev, staging, prod and asm, each deploying its own kustomize overlay; dev is also the default', () => {
    expect(skaffold.profiles.map((p) => p.name)).toEqual([...OVERLAYS]);
    for (const overlay of OVERLAYS) {
      const paths = profile(overlay).manifests?.kustomize.paths ?? [];
      expect(paths).toEqual([`kustomize/overlays/${overlay}`]);
      expect(existsSync(path.join(repoRoot, paths[0]!, 'kustomization.yaml'))).toBe(true);
    }
    expect(skaffold.manifests.kustomize.paths).toEqual(['kustomize/overlays/dev']);
  });

  it('applies the TCPShift CRD before the overlay (a TCPShift in the same apply as its CRD fails on a fresh cluster)', () => {
    const command = skaffold.deploy.kubectl.hooks.before.map((h) => h.host.command.join(' ')).join('\n');
    const crdFile = /apply -f (\S+)/.exec(command)?.[1] ?? '';
    expect(existsSync(path.join(repoRoot, crdFile)), crdFile).toBe(true);
    expect(command).toContain('--context "$SKAFFOLD_KUBE_CONTEXT"');
    expect(command).toContain('condition=established');
    expect(command).toContain('crd/tcpshifts.tcpshift.io');
  });
});

if (kustomizeSkipReason) console.log(`skaffold/overlay consistency tests skipped: ${kustomizeSkipReason}`);

describe.skipIf(kustomizeSkipReason !== undefined).each(OVERLAYS)('skaffold profile %s against its overlay', (overlay) => {
  it('the artifacts are exactly the images the manifests run, so skaffold replaces every one', async () => {
    const images = ofKind<Deployment>(await renderOverlay(overlay), 'Deployment').flatMap((d) => d.spec.template.spec.containers.map((c) => imageName(c.image)));
    expect(new Set(images)).toEqual(new Set(skaffold.build.artifacts.map((a) => a.image)));
  });

  it('port-forwards the controller metrics Service and the gateway the TCPShift probes, on the Gateway\'s TCP port', async () => {
    const objects = await renderOverlay(overlay);
    const forwards = portForwardsOf(overlay);
    const metrics = theObject<Service>(objects, 'Service', 'tcpshift-controller-metrics');
    const metricsForward = forwards.find((f) => f.resourceName === metrics.metadata.name);
    expect(metricsForward?.namespace).toBe(metrics.metadata.namespace);
    expect(metrics.spec.ports.map((p) => p.port)).toContain(metricsForward?.port);

    const { shift } = sampleShift(objects);
    const [service, namespace] = shift.spec.probe.address.host.split('.');
    const gatewayForward = forwards.find((f) => f.resourceName === service);
    expect(gatewayForward, `a port-forward to ${service}`).toBeDefined();
    expect(gatewayForward?.namespace).toBe(namespace);
    expect(gatewayForward?.port).toBe(shift.spec.probe.address.port);
    expect(gatewayForward?.port).toBe(shift.spec.target.matchPort);
  });
});
