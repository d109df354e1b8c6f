/**
 * RFC 6902 JSON Patch and RFC 7386 JSON Merge Patch, applied to plain JSON values. Used by the
 * Istio weight patch tests (to check a patch changes only what it owns) and by the API emulator
 * (the same semantics as the Kubernetes API server, including the `test` operation).
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** A patch that cannot be applied; `testFailed` marks a failed `test` operation. */
export class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
  constructor(
    message: string,
    readonly index: number,
    readonly testFailed = false,
  ) {
    super(message);
  }
}

export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointer(...tokens: Array<string | number>): string {
  return tokens.map((t) => '/' + escapePointerToken(t)).join('');
}

function parsePointer(p: string, index: number): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new JsonPatchError(`operation ${index}: path '${p}' must start with '/'`, index);
  return p
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = JsonValue[] | { [key: string]: JsonValue };

function isContainer(v: unknown): v is Container {
  return typeof v === 'object' && v !== null;
}

function arrayIndex(token: string, length: number, allowEnd: boolean, index: number, p: string): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchError(`operation ${index}: '${token}' in '${p}' is not an array index`, index);
  const i = Number(token);
  if (i > length || (!allowEnd && i === length)) throw new JsonPatchError(`operation ${index}: index ${i} out of range in '${p}'`, index);
  return i;
}

function resolveParent(doc: JsonValue, tokens: string[], index: number, p: string): Container {
  let cur: JsonValue = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(t, cur.length, false, index, p)] as JsonValue;
    else if (isContainer(cur) && Object.hasOwn(cur, t)) cur = cur[t] as JsonValue;
    else throw new JsonPatchError(`operation ${index}: path '${p}' does not exist`, index);
  }
  if (!isContainer(cur)) throw new JsonPatchError(`operation ${index}: parent of '${p}' is not an object or array`, index);
  return cur;
}

function getAt(doc: JsonValue, p: string, index: number): JsonValue {
  const tokens = parsePointer(p, index);
  if (tokens.length === 0) return doc;
  const parent = resolveParent(doc, tokens, index, p);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent.length, false, index, p)] as JsonValue;
  if (!Object.hasOwn(parent, last)) throw new JsonPatchError(`operation ${index}: path '${p}' does not exist`, index);
  return parent[last] as JsonValue;
}

function addAt(doc: JsonValue, p: string, value: JsonValue, index: number): JsonValue {
  const tokens = parsePointer(p, index);
  if (tokens.length === 0) return value;
  const parent = resolveParent(doc, tokens, index, p);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, true, index, p), 0, value);
  else parent[last] = value;
  return doc;
}

function removeAt(doc: JsonValue, p: string, index: number): JsonValue {
  const tokens = parsePointer(p, index);
  if (tokens.length === 0) throw new JsonPatchError(`operation ${index}: cannot remove the whole document`, index);
  const parent = resolveParent(doc, tokens, index, p);
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent.length, false, index, p), 1);
  else if (Object.hasOwn(parent, last)) delete parent[last];
  else throw new JsonPatchError(`operation ${index}: path '${p}' does not exist`, index);
  return doc;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => deepEqual(v, b[i]));
  }
  if (!isContainer(a) || !isContainer(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Apply a JSON Patch to a copy of doc; the input is never modified. Throws JsonPatchError. */
export function applyJsonPatch<T>(doc: T, ops: readonly JsonPatchOp[]): T {
  let out = clone(doc) as JsonValue;
  ops.forEach((op, index) => {
    switch (op.op) {
      case 'add':
        out = addAt(out, op.path, clone(op.value) as JsonValue, index);
        break;
      case 'remove':
        out = removeAt(out, op.path, index);
        break;
      case 'replace':
        getAt(out, op.path, index);
        out = removeAt(out, op.path, index);
        out = addAt(out, op.path, clone(op.value) as JsonValue, index);
        break;
      case 'move': {
        const value = getAt(out, op.from, index);
        out = removeAt(out, op.from, index);
        out = addAt(out, op.path, value, index);
        break;
      }
      case 'copy':
        out = addAt(out, op.path, clone(getAt(out, op.from, index)), index);
        break;
      case 'test':
        if (!deepEqual(getAt(out, op.path, index), op.value)) {
          throw new JsonPatchError(`operation ${index}: test failed at '${op.path}'`, index, true);
        }
        break;
      default:
        throw new JsonPatchError(`operation ${index}: unknown op '${(op as { op: string }).op}'`, index);
    }
  });
  return out as T;
}

/** RFC 7386: null removes a member, objects merge recursively, anything else replaces. */
export function applyMergePatch<T>(target: T, patch: unknown): T {
  if (!isContainer(patch) || Array.isArray(patch)) return clone(patch) as T;
  const base: Record<string, unknown> = isContainer(target) && !Array.isArray(target) ? clone(target as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete base[k];
    else base[k] = applyMergePatch(base[k], v);
  }
  return base as T;
}
