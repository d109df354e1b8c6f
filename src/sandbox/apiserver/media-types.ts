/**
 * What a client accepts, from its Accept header: a meta.k8s.io Table (kubectl get), aggregated
 * discovery (kubectl's discovery client), or plain JSON. Ranges are taken in the client's order.
 */
export type Wanted =
  | { kind: 'json' }
  | { kind: 'table'; apiVersion: string }
  | { kind: 'discovery'; version: 'v2' | 'v2beta1' }
  | { kind: 'none' };

interface MediaRange {
  type: string;
  params: Record<string, string>;
}

function parseRanges(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [type = '', ...rest] = part.split(';').map((s) => s.trim());
      const params: Record<string, string> = {};
      for (const p of rest) {
        const eq = p.indexOf('=');
        if (eq > 0) params[p.slice(0, eq).trim()] = p.slice(eq + 1).trim();
      }
      return { type: type.toLowerCase(), params };
    });
}

const jsonLike = new Set(['application/json', 'application/*', '*/*', 'application/yaml']);

export function negotiate(header: string | undefined): Wanted {
  if (!header) return { kind: 'json' };
  for (const r of parseRanges(header)) {
    if (!jsonLike.has(r.type)) continue;
    const { as, g, v } = r.params;
    if (as === undefined) return { kind: 'json' };
    if (as === 'Table' && g === 'meta.k8s.io' && (v === 'v1' || v === 'v1beta1')) return { kind: 'table', apiVersion: `meta.k8s.io/${v}` };
    if (as === 'APIGroupDiscoveryList' && g === 'apidiscovery.k8s.io' && (v === 'v2' || v === 'v2beta1')) return { kind: 'discovery', version: v };
  }
  return { kind: 'none' };
}

/** The body of a request, by its Content-Type. */
export type BodyFormat = 'json' | 'yaml';

export function mediaType(header: string | undefined): string {
  return (header ?? 'application/json').split(';')[0]?.trim().toLowerCase() ?? 'application/json';
}
