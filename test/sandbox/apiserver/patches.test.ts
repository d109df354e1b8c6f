import { describe, expect, it } from 'vitest';
import { applyConfiguration } from '../../../src/sandbox/apiserver/apply-patch.js';
import { strategicMerge } from '../../../src/sandbox/apiserver/strategic-merge.js';

describe('strategic merge patch (built-in kinds)', () => {
  const pod = {
    metadata: { labels: { app: 'echo', old: 'x' }, finalizers: ['a'] },
    spec: {
      containers: [
        { name: 'echo', image: 'echo:1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 9000 }] },
        { name: 'sidecar', image: 'proxy:1' },
      ],
    },
  };

  it('merges lists of objects by their merge key, keeps the rest, deletes with null', () => {
    const out = strategicMerge(pod, {
      metadata: { labels: { old: null, added: 'y' }, finalizers: ['b'] },
      spec: { containers: [{ name: 'echo', image: 'echo:2', env: [{ name: 'B', value: '2' }] }] },
    });
    expect(out).toEqual({
      metadata: { labels: { app: 'echo', added: 'y' }, finalizers: ['a', 'b'] },
      spec: {
        containers: [
          { name: 'echo', image: 'echo:2', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 9000 }] },
          { name: 'sidecar', image: 'proxy:1' },
        ],
      },
    });
  });

  it('understands $patch delete/replace, $retainKeys, $deleteFromPrimitiveList and ignores $setElementOrder', () => {
    const out = strategicMerge(pod, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
      spec: { containers: [{ name: 'sidecar', $patch: 'delete' }], '$setElementOrder/containers': [{ name: 'echo' }] },
    }) as typeof pod;
    expect(out.spec.containers.map((c) => c.name)).toEqual(['echo']);
    expect(out.metadata.finalizers).toEqual([]);
    expect(strategicMerge({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } }, { strategy: { type: 'Recreate', $retainKeys: ['type'] } })).toEqual({ strategy: { type: 'Recreate' } });
    expect(strategicMerge({ a: { x: 1, y: 2 } }, { a: { $patch: 'replace', z: 3 } })).toEqual({ a: { z: 3 } });
  });

  it('merges Service ports by port and container ports by containerPort', () => {
    const svc = { spec: { ports: [{ name: 'tcp', port: 9000 }, { name: 'health', port: 8080 }] } };
    expect(strategicMerge(svc, { spec: { ports: [{ port: 8080, $patch: 'delete' }, { name: 'metrics', port: 9090 }] } })).toEqual({
      spec: { ports: [{ name: 'tcp', port: 9000 }, { name: 'metrics', port: 9090 }] },
    });
  });
});

describe('server-side apply (approximation)', () => {
  it('merges the applied configuration and removes what the same manager stopped applying', () => {
    const live = { metadata: { name: 'x', labels: { mine: '1', theirs: '2' } }, spec: { a: 1, b: { c: 2, d: 3 }, list: [1, 2] }, status: { s: 1 } };
    const previous = { metadata: { name: 'x', labels: { mine: '1' } }, spec: { a: 1, b: { c: 2 }, list: [1, 2] } };
    const applied = { metadata: { name: 'x' }, spec: { b: { c: 5 }, list: [3] } };
    expect(applyConfiguration(live, applied, previous)).toEqual({ metadata: { name: 'x', labels: { theirs: '2' } }, spec: { b: { c: 5, d: 3 }, list: [3] }, status: { s: 1 } });
  });
});
