import { describe, expect, it } from 'vitest';
import { applyJsonPatch, applyMergePatch, JsonPatchError, pointer, type JsonPatchOp } from '../../src/util/json-patch.js';

describe('applyJsonPatch (RFC 6902)', () => {
  const doc = { a: { b: [1, 2, 3] }, 'x/y': 1, 't~': 2 };

  it('adds, replaces, removes, moves and copies without touching the input', () => {
    const ops: JsonPatchOp[] = [
      { op: 'add', path: '/a/b/1', value: 9 },
      { op: 'add', path: '/a/b/-', value: 4 },
      { op: 'replace', path: pointer('x/y'), value: 5 },
      { op: 'remove', path: pointer('t~') },
      { op: 'copy', from: '/a/b/0', path: '/c' },
      { op: 'move', from: '/c', path: '/d' },
    ];
    expect(applyJsonPatch(doc, ops)).toEqual({ a: { b: [1, 9, 2, 3, 4] }, 'x/y': 5, d: 1 });
    expect(doc).toEqual({ a: { b: [1, 2, 3] }, 'x/y': 1, 't~': 2 });
  });

  it('fails the whole patch on a failed test op', () => {
    const ops: JsonPatchOp[] = [
      { op: 'test', path: '/a/b', value: [1, 2, 3] },
      { op: 'replace', path: '/a/b/0', value: 7 },
      { op: 'test', path: '/a/b/0', value: 1 },
    ];
    try {
      applyJsonPatch(doc, ops);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(JsonPatchError);
      expect((err as JsonPatchError).testFailed).toBe(true);
      expect((err as JsonPatchError).index).toBe(2);
    }
  });

  it.each([
    [{ op: 'replace', path: '/nope', value: 1 }, /does not exist/],
    [{ op: 'remove', path: '/a/b/3' }, /out of range/],
    [{ op: 'add', path: '/a/b/x', value: 1 }, /not an array index/],
    [{ op: 'add', path: 'a', value: 1 }, /must start with/],
    [{ op: 'add', path: '/q/r', value: 1 }, /does not exist/],
  ] as Array<[JsonPatchOp, RegExp]>)('rejects %j', (op, message) => {
    expect(() => applyJsonPatch(doc, [op])).toThrow(message);
  });
});

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects, removes nulls, replaces arrays', () => {
    expect(applyMergePatch({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { a: null, b: { c: 4 }, e: [2, 3], f: 'x' })).toEqual({
      b: { c: 4, d: 3 },
      e: [2, 3],
      f: 'x',
    });
  });
});
