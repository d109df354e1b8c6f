import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/sandbox/apiserver/api-error.js';
import { evaluateJsonPath } from '../../../src/sandbox/apiserver/jsonpath.js';
import { checkFieldLabels, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../../../src/sandbox/apiserver/selectors.js';

const labels = { app: 'echo', version: 'v2', tier: '3' };
const match = (sel: string) => matchesLabels(parseLabelSelector(sel), labels);

describe('label selectors', () => {
  it('supports =, ==, !=, in, notin, exists, !exists, > and <', () => {
    expect(['app=echo', 'app==echo', 'version!=v1', 'version in (v1, v2)', 'version notin (v1)', 'app', '!canary', 'tier>2', 'tier<4', 'app=echo,version=v2', ''].map(match)).toEqual(Array(11).fill(true));
    expect(['app=web', 'version!=v2', 'version in (v1)', 'version notin (v2,v3)', 'canary', '!app', 'tier>3', 'app=echo,version=v1'].map(match)).toEqual(Array(8).fill(false));
  });

  it('treats a missing label as not equal (!= and notin match it)', () => {
    expect(matchesLabels(parseLabelSelector('canary!=true,stage notin (x)'), {})).toBe(true);
    expect(matchesLabels(parseLabelSelector('canary=true'), undefined)).toBe(false);
  });

  it('refuses malformed selectors with 400', () => {
    for (const bad of ['app=echo=x', 'tier>abc', '-bad=1']) {
      expect(() => parseLabelSelector(bad)).toThrow(ApiError);
    }
  });
});

describe('field selectors', () => {
  const object = { metadata: { name: 'echo', namespace: 'ns' }, status: { phase: 'Running' }, source: { component: 'ctl' } };
  it('matches dotted fields with = and !=; missing fields are empty', () => {
    expect(matchesFields(parseFieldSelector('metadata.name=echo,status.phase!=Pending'), object)).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.name==other'), object)).toBe(false);
    expect(matchesFields(parseFieldSelector('spec.nodeName='), object)).toBe(true);
    expect(matchesFields(parseFieldSelector('source=ctl'), object)).toBe(true);
  });

  it('answers 400 "field label not supported" for a field the resource does not index', () => {
    expect(() => checkFieldLabels(parseFieldSelector('spec.color=red'), new Set(['metadata.name']))).toThrow('field label not supported: spec.color');
  });
});

describe('JSONPath of printer columns', () => {
  const o = { spec: { hosts: ['a', 'b'], 'dotted.key': 1 }, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'Synced', status: 'False' }] } };
  it('follows keys, indexes, wildcards and equality filters', () => {
    expect(evaluateJsonPath(o, '.spec.hosts')).toEqual([['a', 'b']]);
    expect(evaluateJsonPath(o, '.spec.hosts[1]')).toEqual(['b']);
    expect(evaluateJsonPath(o, '.spec.hosts[*]')).toEqual(['a', 'b']);
    expect(evaluateJsonPath(o, "{.spec['dotted.key']}")).toEqual([1]);
    expect(evaluateJsonPath(o, '.status.conditions[?(@.type=="Ready")].status')).toEqual(['True']);
    expect(evaluateJsonPath(o, '.status.conditions[?(@.type!="Ready")].type')).toEqual(['Synced']);
    expect(evaluateJsonPath(o, '.spec.missing')).toEqual([]);
  });
});
