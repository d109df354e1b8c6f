/**
 * The JSONPath subset CRD printer columns and selectable fields use: `.a.b`, `['a.b']`, `[0]`,
 * `[*]`, and filters `[?(@.type=="Ready")]` (== and !=). Returns every match, in order.
 */
type Segment =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: Segment[]; op: '==' | '!='; value: string };

export class JsonPathError extends Error {
  override readonly name = 'JsonPathError';
}

function parseBracket(expr: string, start: number): { segment: Segment; end: number } {
  const close = findClose(expr, start);
  const inner = expr.slice(start + 1, close).trim();
  if (inner === '*') return { segment: { kind: 'all' }, end: close + 1 };
  if (/^-?\d+$/.test(inner)) return { segment: { kind: 'index', index: Number(inner) }, end: close + 1 };
  const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(inner);
  if (quoted) return { segment: { kind: 'key', key: quoted[1] ?? quoted[2] ?? '' }, end: close + 1 };
  const filter = /^\?\(@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|([^\s)]+))\s*\)$/.exec(inner);
  if (filter) {
    return {
      segment: { kind: 'filter', path: parseJsonPath(filter[1] ?? ''), op: filter[2] as '==' | '!=', value: filter[3] ?? filter[4] ?? filter[5] ?? '' },
      end: close + 1,
    };
  }
  throw new JsonPathError(`unsupported JSONPath segment [${inner}]`);
}

function findClose(expr: string, start: number): number {
  let depth = 0;
  for (let i = start; i < expr.length; i++) {
    if (expr[i] === '[') depth++;
    else if (expr[i] === ']' && --depth === 0) return i;
  }
  throw new JsonPathError(`unclosed [ in ${expr}`);
}

export function parseJsonPath(expr: string): Segment[] {
  const text = expr.trim().replace(/^\{(.*)\}$/, '$1').replace(/^\$/, '');
  const segments: Segment[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '.') {
      const m = /^[A-Za-z0-9_-]+/.exec(text.slice(i + 1));
      if (!m) throw new JsonPathError(`bad JSONPath ${expr}`);
      segments.push({ kind: 'key', key: m[0] });
      i += 1 + m[0].length;
    } else if (text[i] === '[') {
      const { segment, end } = parseBracket(text, i);
      segments.push(segment);
      i = end;
    } else {
      throw new JsonPathError(`bad JSONPath ${expr}: unexpected '${text[i]}'`);
    }
  }
  return segments;
}

function step(values: unknown[], segment: Segment): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if (segment.kind === 'key') {
      if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, segment.key)) out.push((v as Record<string, unknown>)[segment.key]);
    } else if (segment.kind === 'index') {
      if (Array.isArray(v)) {
        const item: unknown = v[segment.index < 0 ? v.length + segment.index : segment.index];
        if (item !== undefined) out.push(item);
      }
    } else if (segment.kind === 'all') {
      if (Array.isArray(v)) for (const item of v as unknown[]) out.push(item);
      else if (typeof v === 'object' && v !== null) for (const item of Object.values(v as Record<string, unknown>)) out.push(item);
    } else if (Array.isArray(v)) {
      for (const item of v as unknown[]) {
        const found = evaluateSegments(item, segment.path);
        const equal = found.some((f) => String(f) === segment.value);
        if (segment.op === '==' ? equal : !equal) out.push(item);
      }
    }
  }
  return out;
}

function evaluateSegments(root: unknown, segments: Segment[]): unknown[] {
  return segments.reduce<unknown[]>((values, segment) => step(values, segment), [root]);
}

export function evaluateJsonPath(root: unknown, expr: string): unknown[] {
  return evaluateSegments(root, parseJsonPath(expr));
}
