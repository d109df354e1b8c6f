import { describe, expect, it } from 'vitest';
import { toStructuralSchema } from '../../src/spec/structural-schema.js';

describe('toStructuralSchema', () => {
  it('merges a union of objects: properties united, required intersected, consts into an enum', () => {
    const schema = toStructuralSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      oneOf: [
        { type: 'object', properties: { mode: { type: 'string', const: 'a', default: 'a' }, x: { type: 'integer' } }, required: ['mode', 'x'], additionalProperties: false },
        { type: 'object', properties: { mode: { type: 'string', const: 'b' }, y: { type: 'string', default: 'y' } }, required: ['mode'], additionalProperties: false },
      ],
    });
    expect(schema).toEqual({
      type: 'object',
      properties: { mode: { type: 'string', default: 'a', enum: ['a', 'b'] }, x: { type: 'integer' }, y: { type: 'string' } },
      required: ['mode'],
    });
  });

  it('drops defaults of fields only one variant has, at any depth', () => {
    const schema = toStructuralSchema({
      anyOf: [
        { type: 'object', properties: { t: { type: 'object', properties: { a: { type: 'object', default: {}, properties: { n: { type: 'integer', default: 1 } } } } } } },
        { type: 'object', properties: { t: { type: 'object', properties: { b: { type: 'string' } } } } },
      ],
    });
    expect(JSON.stringify(schema)).not.toContain('default');
  });

  it('writes OpenAPI v3.0 exclusive bounds and preserves free-form objects', () => {
    expect(toStructuralSchema({ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 })).toEqual({
      type: 'number',
      minimum: 0,
      exclusiveMinimum: true,
      maximum: 1,
      exclusiveMaximum: true,
    });
    expect(toStructuralSchema({ type: 'object', propertyNames: { type: 'string' }, additionalProperties: {} })).toEqual({
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
    expect(toStructuralSchema({ type: 'object', additionalProperties: { type: 'string' } })).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
  });

  it('keeps a union of different types (a weight or a gate) whole: an untyped preserve-unknown-fields node, judged by zod', () => {
    const node = toStructuralSchema({ description: 'a step', anyOf: [{ type: 'integer', minimum: 1 }, { type: 'object', properties: { pause: { type: 'object' } } }] });
    expect(node).toEqual({ description: 'a step', 'x-kubernetes-preserve-unknown-fields': true });
  });

  it('refuses what a structural schema cannot hold', () => {
    expect(() => toStructuralSchema({ $ref: '#/$defs/x' })).toThrow(/\$ref/);
    expect(() => toStructuralSchema({ oneOf: [{ type: 'string', enum: ['a'] }, { type: 'string', pattern: 'b' }] })).toThrow(/unions of objects/);
    expect(() =>
      toStructuralSchema({ oneOf: [{ type: 'object', properties: { a: { type: 'string' } } }, { type: 'object', properties: { a: { type: 'integer' } } }] }),
    ).toThrow(/cannot merge union\.a/);
  });
});
