import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../src/sandbox/apiserver/field-errors.js';
import { compileSchema } from '../../../src/sandbox/apiserver/schema-validator.js';
import { pruneAndDefault, type Schema } from '../../../src/sandbox/apiserver/structural-schema.js';
import { readSchema, widgetCrd } from '../../support/apiserver-fixtures.js';

const widgetSchema = widgetCrd.spec.versions[0]?.schema.openAPIV3Schema as unknown as Schema;
const validate = compileSchema(widgetSchema);

function widget(spec: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'example.tcpshift.dev/v1', kind: 'Widget', metadata: { name: 'w', labels: { a: 'b' } }, spec, ...extra };
}

describe('pruning and defaulting (structural schema)', () => {
  it('drops unknown fields (reported by path), keeps preserved and embedded ones, fills defaults', () => {
    const o = widget(
      { color: 'red', bogus: 1, extra: { anything: { goes: true } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { replicas: 2, stray: 1 } } },
      { topLevel: 'x', status: { phase: 'P', unknown: 1 } },
    );
    (o.metadata as Record<string, unknown>).notMeta = 1;
    const unknown = pruneAndDefault(o, widgetSchema);
    expect(unknown.sort()).toEqual(['metadata.notMeta', 'spec.bogus', 'spec.template.spec.stray', 'status.unknown', 'topLevel']);
    expect(o).toEqual({
      apiVersion: 'example.tcpshift.dev/v1',
      kind: 'Widget',
      metadata: { name: 'w', labels: { a: 'b' } },
      spec: { color: 'red', size: 3, extra: { anything: { goes: true } }, template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { replicas: 2 } } },
      status: { phase: 'P' },
    });
  });

  it('drops nulls of non-nullable fields, then defaults them', () => {
    const o = widget({ color: 'red', size: null });
    pruneAndDefault(o, widgetSchema);
    expect(o.spec).toEqual({ color: 'red', size: 3 });
  });
});

describe('schema validation messages (as the real server words them)', () => {
  const messages = (spec: Record<string, unknown>) => aggregate(validate(widget(spec)));
  it('reports every problem with its field path', () => {
    expect(validate(widget({ color: 'red', size: 3 }))).toEqual([]);
    expect(messages({ size: 3 })).toBe('spec.color: Required value');
    expect(messages({ color: 'pink' })).toBe('spec.color: Unsupported value: "pink": supported values: "red", "green", "blue"');
    expect(messages({ color: 'red', size: 0 })).toBe('spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1');
    expect(messages({ color: 'red', size: 'big' })).toBe('spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"');
    expect(messages({ color: 'red', name: 'toolongname' })).toBe('spec.name: Too long: may not be more than 8 bytes');
    expect(messages({ color: 'red', name: 'UP' })).toBe("spec.name: Invalid value: \"UP\": spec.name in body should match '^[a-z]+$'");
    expect(messages({ color: 'red', tags: ['a', 'b', 'c', 'd'] })).toBe('spec.tags: Too many: 4: must have at most 3 items');
    expect(messages({ color: 'red', port: true })).toContain('spec.port: Invalid value: "boolean"');
    expect(validate(widget({ color: 'red', port: 'http' }))).toEqual([]);
    expect(messages({ color: 'pink', size: 11 })).toBe(
      '[spec.color: Unsupported value: "pink": supported values: "red", "green", "blue", spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10]',
    );
  });

  it('accepts the Istio tcp-echo VirtualService and rejects a mistyped one with the real Istio schema', () => {
    const crds = parseAllDocuments(readSchema('istio-crds.yaml')).map((d) => d.toJSON() as { spec: { versions: Array<{ schema: { openAPIV3Schema: Schema } }> } });
    const vsSchema = crds[0]?.spec.versions[0]?.schema.openAPIV3Schema as Schema;
    const check = compileSchema(vsSchema);
    const vs = (weight: unknown) => ({ spec: { hosts: ['*'], gateways: ['g'], tcp: [{ match: [{ port: 31400 }], route: [{ destination: { host: 'tcp-echo', subset: 'v1', port: { number: 9000 } }, weight }] }] } });
    expect(check(vs(80))).toEqual([]);
    expect(check(vs(-5))).toEqual([]);
    expect(aggregate(check(vs(2 ** 40)))).toContain('spec.tcp[0].route[0].weight');
  });
});
