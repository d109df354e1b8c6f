import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { openApiValidator } from '../../src/spec/crd-validator.js';
import { CRD_PATH, renderCrdYaml, tcpshiftCrd, tcpshiftOpenApiSchema } from '../../src/spec/tcpshift-crd.js';
import { packagePath } from '../../src/util/package-root.js';
import { EXAMPLE_FILES, exampleObject, valueAt, withChanges } from './examples.js';

type Node = { [key: string]: unknown };

const nodes = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : []);

/**
 * Kubernetes' structural-schema rules (apiextensions NewStructural + validation): every field and
 * array item has a type unless it preserves unknown fields; no $ref; logical junctors carry no
 * type/default/description/additionalProperties; properties and additionalProperties exclude
 * each other. Returns the paths that break a rule.
 */
function structuralViolations(node: Node, path: string): string[] {
  const out: string[] = [];
  if ('$ref' in node || '$defs' in node) out.push(`${path}: $ref`);
  if (!node.type && node['x-kubernetes-preserve-unknown-fields'] !== true && node['x-kubernetes-int-or-string'] !== true) out.push(`${path}: no type`);
  if (node.properties && node.additionalProperties !== undefined) out.push(`${path}: properties and additionalProperties`);
  for (const junctor of ['oneOf', 'anyOf', 'allOf', 'not']) {
    const inner = junctor === 'not' ? (node.not ? [node.not as Node] : []) : nodes(node[junctor]);
    for (const branch of inner) {
      for (const banned of ['type', 'default', 'description', 'additionalProperties', 'nullable']) {
        if (banned in branch) out.push(`${path}.${junctor}: ${banned}`);
      }
    }
  }
  if (typeof node.exclusiveMinimum === 'number' || typeof node.exclusiveMaximum === 'number') out.push(`${path}: numeric exclusive bound`);
  for (const [name, child] of Object.entries(node.properties ?? {})) out.push(...structuralViolations(child as Node, `${path}.${name}`));
  if (node.items) out.push(...structuralViolations(node.items as Node, `${path}[]`));
  if (typeof node.additionalProperties === 'object') out.push(...structuralViolations(node.additionalProperties as Node, `${path}{}`));
  return out;
}

describe('TCPShift CRD', () => {
  it('is up to date: regenerating it gives the committed file (run `npm run gen:crd`)', () => {
    expect(readFileSync(packagePath(...CRD_PATH), 'utf8')).toBe(renderCrdYaml());
  });

  it('round-trips through YAML', () => {
    expect(parse(renderCrdYaml())).toEqual(tcpshiftCrd());
  });

  it('has a structural openAPIV3Schema', () => {
    const schema = tcpshiftOpenApiSchema();
    expect(structuralViolations(schema, 'openAPIV3Schema')).toEqual([]);
    expect(valueAt(schema, 'properties.metadata')).toEqual({ type: 'object' });
  });

  it('has the status subresource and the printer columns', () => {
    const version = valueAt(tcpshiftCrd(), 'spec.versions.0') as Node;
    expect(version.subresources).toEqual({ status: {} });
    expect(nodes(version.additionalPrinterColumns).map((c) => [c.name, c.jsonPath])).toEqual([
      ['Phase', '.status.phase'],
      ['Step', '.status.currentStep'],
      ['Canary Weight', '.status.weights.canary'],
      ['Age', '.metadata.creationTimestamp'],
    ]);
    const status = valueAt(tcpshiftOpenApiSchema(), 'properties.status.properties');
    expect(valueAt(status, 'phase.enum')).toEqual(['Pending', 'Progressing', 'Paused', 'Promoted', 'RolledBack', 'Aborted', 'Failed']);
    expect(valueAt(status, 'steps.items.x-kubernetes-preserve-unknown-fields')).toBe(true);
  });

  it.each(EXAMPLE_FILES)('accepts the example %s', (file) => {
    expect(openApiValidator(tcpshiftOpenApiSchema())(exampleObject(file))).toEqual([]);
  });

  it('rejects what the schema can express: ranges, enums, patterns, unknown fields', () => {
    const doc = withChanges(exampleObject('shift.yaml'), {
      'spec.schedule.steps': [],
      'spec.provider': 'linkerd',
      'spec.stable.subset': 'V1',
      'spec.analysis.splitTolerance': 0,
      'spec.schedul': {},
      status: { phase: 'Done', weights: { stable: -1, canary: 0 } },
    });
    const paths = openApiValidator(tcpshiftOpenApiSchema())(doc).map((i) => i.path);
    expect(paths.sort()).toEqual(
      [
        'spec.analysis.splitTolerance',
        'spec.provider',
        'spec.schedul',
        'spec.schedule.steps',
        'spec.stable.subset',
        'status.phase',
        'status.weights.stable',
      ].sort(),
    );
  });

  it('puts no default on a field of one provider only (the API server would add it to the other)', () => {
    const spec = valueAt(tcpshiftOpenApiSchema(), 'properties.spec.properties');
    expect(valueAt(spec, 'target.properties.gatewaySelector')).not.toHaveProperty('default');
    expect(valueAt(spec, 'target.properties.apiVersion')).not.toHaveProperty('default');
    expect(valueAt(spec, 'provider.default')).toBe('istio');
  });
});
