import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../../src/sandbox/apiserver/event-history.js';
import { ObjectStore } from '../../../src/sandbox/apiserver/object-store.js';
import type { KubeObject } from '../../../src/sandbox/apiserver/types.js';

const obj = (name: string, data: string, namespace = 'ns'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: { v: data } });

describe('ObjectStore', () => {
  it('gives every write the next global resourceVersion, across resources', () => {
    const s = new ObjectStore(100);
    const a = s.put('/configmaps', obj('a', '1'));
    const b = s.put('apps/deployments', obj('b', '1'));
    const a2 = s.put('/configmaps', obj('a', '2'));
    expect([a, b, a2].map((o) => Number(o.metadata.resourceVersion))).toEqual([2, 3, 4]);
    expect(s.revision()).toBe(4);
    const gone = s.remove('/configmaps', 'ns', 'a');
    expect(gone?.metadata.resourceVersion).toBe('5');
    expect(s.get('/configmaps', 'ns', 'a')).toBeUndefined();
  });

  it('lists in namespace/name order, one namespace or all', () => {
    const s = new ObjectStore(100);
    for (const [n, ns] of [['b', 'x'], ['a', 'y'], ['c', 'x']] as const) s.put('/configmaps', obj(n, '1', ns));
    expect(s.list('/configmaps').map(([k]) => k)).toEqual(['x/b', 'x/c', 'y/a']);
    expect(s.list('/configmaps', 'y').map(([k]) => k)).toEqual(['y/a']);
    expect(s.namespaceInUse('x')).toBe(true);
    expect(s.namespaceInUse('z')).toBe(false);
  });

  it('replays history after a version and refuses versions older than what it kept', () => {
    const s = new ObjectStore(3);
    const start = s.revision();
    for (let i = 0; i < 5; i++) s.put('/configmaps', obj('a', String(i)));
    const seen: StoredEvent[] = [];
    expect(s.subscribe('/configmaps', start, (e) => seen.push(e))).toBeUndefined();
    expect(s.compactedRevision('/configmaps')).toBe(start + 2);
    const unsubscribe = s.subscribe('/configmaps', start + 3, (e) => seen.push(e));
    expect(seen.map((e) => `${e.type} ${e.rv}`)).toEqual([`MODIFIED ${start + 4}`, `MODIFIED ${start + 5}`]);
    s.remove('/configmaps', 'ns', 'a');
    expect(seen.at(-1)?.type).toBe('DELETED');
    unsubscribe?.();
    s.put('/configmaps', obj('b', 'x'));
    expect(seen).toHaveLength(3);
  });

  it('rebuilds the exact state at a past version from the history', () => {
    const s = new ObjectStore(100);
    s.put('/configmaps', obj('a', '1'));
    const at = s.revision();
    s.put('/configmaps', obj('a', '2'));
    s.put('/configmaps', obj('b', '1'));
    s.remove('/configmaps', 'ns', 'a');
    const then = s.snapshotAt('/configmaps', at);
    expect([...(then?.values() ?? [])].map((o) => `${o.metadata.name ?? ''}=${(o.data as { v: string }).v}`)).toEqual(['a=1']);
    expect([...(s.snapshotAt('/configmaps', s.revision())?.keys() ?? [])]).toEqual(['ns/b']);
  });
});
