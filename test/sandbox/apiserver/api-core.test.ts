// The API semantics in process (no HTTP), time driven by a ManualClock: metadata rules, no-op
// writes, dry runs, namespaces, CRD lifecycle, shared Event storage, and watch streams
// (selector transitions, bookmarks, timeouts).
import { beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { ApiCore, Scope } from '../../../src/sandbox/apiserver/api-core.js';
import { ApiError } from '../../../src/sandbox/apiserver/api-error.js';
import { createApiCore } from '../../../src/sandbox/apiserver/api-server.js';
import type { InProcessClient } from '../../../src/sandbox/apiserver/in-process-client.js';
import type { KubeObject } from '../../../src/sandbox/apiserver/types.js';
import type { WatchSink } from '../../../src/sandbox/apiserver/watch-session.js';
import { ManualClock } from '../../../src/util/manual-clock.js';
import { widgetCrd } from '../../support/apiserver-fixtures.js';

let clock: ManualClock;
let core: ApiCore;
let objects: InProcessClient;

beforeEach(() => {
  clock = new ManualClock(Date.UTC(2026, 10, 21, 10, 54, 0));
  ({ core, objects } = createApiCore({ clock, bookmarkIntervalMs: 1000, historyLimit: 50 }));
  objects.applyYaml(stringify(widgetCrd));
});

const cm = (name: string, data: Record<string, string> = {}, namespace = 'default'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
const widget = (name: string, spec: Record<string, unknown> = { color: 'red' }, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'example.tcpshift.dev/v1',
  kind: 'Widget',
  metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
  spec,
});
const widgetRef = (name: string) => ({ apiVersion: 'example.tcpshift.dev/v1', kind: 'Widget', name, namespace: 'default' });

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

function scope(apiVersion: string, kind: string, namespace = 'default'): Scope {
  const view = core.registry.resolveKind(apiVersion, kind);
  if (!view) throw new Error(`no ${kind}`);
  return { view, namespace };
}

describe('writes', () => {
  it('sets server fields on create and names objects from generateName', () => {
    const made = objects.create({ ...cm(''), metadata: { generateName: 'cfg-', namespace: 'default' } });
    expect(made.metadata.name).toMatch(/^cfg-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(made.metadata.creationTimestamp).toBe('2026-11-21T10:54:00Z');
    expect(made.metadata.generation).toBeUndefined();
    expect(objects.create(widget('w')).metadata.generation).toBe(1);
  });

  it('writes nothing for an update that changes nothing (same resourceVersion, no event)', () => {
    const w = objects.create(widget('same'));
    const again = objects.update({ ...w });
    expect(again.metadata.resourceVersion).toBe(w.metadata.resourceVersion);
    expect(core.store.revision()).toBe(Number(w.metadata.resourceVersion));
  });

  it('requires resourceVersion on custom-resource updates (422) but not on ConfigMaps', () => {
    objects.create(widget('norv'));
    const e = apiError(() => core.update(scope('example.tcpshift.dev/v1', 'Widget'), 'norv', widget('norv', { color: 'blue' })));
    expect(e.code).toBe(422);
    expect(e.message).toBe('Widget.example.tcpshift.dev "norv" is invalid: metadata.resourceVersion: Invalid value: "0x0": must be specified for an update');
    objects.create(cm('free'));
    expect(core.update(scope('v1', 'ConfigMap'), 'free', cm('free', { a: 'b' })).object.data).toEqual({ a: 'b' });
  });

  it('refuses bodies for another name, namespace or kind with 400, and bad names with 422', () => {
    const s = scope('v1', 'ConfigMap');
    objects.create(cm('x'));
    expect(apiError(() => core.update(s, 'x', cm('y'))).message).toBe('the name of the object (y) does not match the name on the URL (x)');
    expect(apiError(() => core.create(s, cm('z', {}, 'other'))).message).toBe('the namespace of the provided object does not match the namespace sent on the request');
    expect(apiError(() => core.create(s, { ...cm('k'), kind: 'Secret' })).code).toBe(400);
    const bad = apiError(() => core.create(s, cm('Not_Valid')));
    expect(bad.code).toBe(422);
    expect(bad.message).toContain('ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain');
  });

  it('validates and stores nothing on dryRun', () => {
    const before = core.store.revision();
    const r = core.create(scope('example.tcpshift.dev/v1', 'Widget'), widget('dry'), { dryRun: true });
    expect(r.object.spec).toEqual({ color: 'red', size: 3 });
    expect(core.store.revision()).toBe(before);
    expect(apiError(() => objects.get(widgetRef('dry'))).code).toBe(404);
  });

  it('answers delete preconditions with 409', () => {
    objects.create(cm('pre'));
    const e = apiError(() => core.delete(scope('v1', 'ConfigMap'), 'pre', { preconditions: { uid: 'someone-else' } }));
    expect(e.code).toBe(409);
    expect(e.message).toContain('Precondition failed: UID in precondition: someone-else');
  });
});

describe('namespaces', () => {
  it('refuses objects in a missing namespace (404) or a terminating one (403), and removes the namespace when empty', () => {
    expect(apiError(() => objects.create(cm('a', {}, 'nowhere'))).message).toBe('namespaces "nowhere" not found');
    objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    objects.create(cm('plain', {}, 'team'));
    objects.create({ ...cm('held', {}, 'team'), metadata: { name: 'held', namespace: 'team', finalizers: ['x/y'] } });
    const r = core.delete({ view: core.registry.resolveKind('v1', 'Namespace') as Scope['view'] }, 'team');
    expect(r.code).toBe(202);
    expect((objects.get({ apiVersion: 'v1', kind: 'Namespace', name: 'team' }).status as { phase: string }).phase).toBe('Terminating');
    expect(apiError(() => objects.get({ apiVersion: 'v1', kind: 'ConfigMap', name: 'plain', namespace: 'team' })).code).toBe(404);
    const forbidden = apiError(() => objects.create(cm('late', {}, 'team')));
    expect(forbidden.code).toBe(403);
    expect(forbidden.message).toContain('unable to create new content in namespace team because it is being terminated');
    objects.patch({ apiVersion: 'v1', kind: 'ConfigMap', name: 'held', namespace: 'team' }, 'merge', { metadata: { finalizers: null } });
    expect(apiError(() => objects.get({ apiVersion: 'v1', kind: 'Namespace', name: 'team' })).code).toBe(404);
  });
});

describe('CustomResourceDefinitions', () => {
  it('reports the CRD Established with its accepted names and refuses inconsistent CRDs', () => {
    const crd = objects.get({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'widgets.example.tcpshift.dev' });
    expect((crd.status as { conditions: Array<{ type: string; status: string }> }).conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    expect((crd.status as { acceptedNames: { listKind: string } }).acceptedNames.listKind).toBe('WidgetList');
    const wrongName = { ...widgetCrd, metadata: { name: 'gadgets.example.tcpshift.dev' } };
    const e = apiError(() => objects.create(wrongName));
    expect(e.code).toBe(422);
    expect(e.message).toContain('metadata.name: Invalid value: "gadgets.example.tcpshift.dev": must be spec.names.plural+"."+spec.group');
  });

  it('deleting a CRD removes its objects (DELETED to watchers) and stops serving the resource', () => {
    objects.create(widget('doomed'));
    const lines: string[] = [];
    let ended = false;
    core.watch(scope('example.tcpshift.dev/v1', 'Widget'), { resourceVersion: String(core.store.revision()), format: { kind: 'json' } }, sinkInto(lines, () => (ended = true)));
    objects.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'widgets.example.tcpshift.dev' });
    expect(lines.map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['DELETED']);
    expect(ended).toBe(true);
    expect(core.registry.resolve('example.tcpshift.dev', 'v1', 'widgets')).toBeUndefined();
  });
});

describe('events.k8s.io/v1 and core/v1 Events', () => {
  it('are one stored object seen under either API, fields renamed', () => {
    objects.create({ apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, regarding: { kind: 'Pod', name: 'p' }, note: 'hello', reason: 'R', type: 'Normal', eventTime: '2026-11-21T10:54:00.000000Z', reportingController: 'c', reportingInstance: 'i', action: 'A' });
    const core1 = objects.get({ apiVersion: 'v1', kind: 'Event', name: 'e', namespace: 'default' });
    expect(core1).toMatchObject({ apiVersion: 'v1', involvedObject: { kind: 'Pod', name: 'p' }, message: 'hello', reportingComponent: 'c' });
    expect(objects.list('events.k8s.io/v1', 'Event', 'default', { fieldSelector: 'regarding.name=p' }).map((e) => e.note)).toEqual(['hello']);
  });
});

function sinkInto(lines: string[], onEnd: () => void = () => undefined): WatchSink {
  return { open: () => undefined, write: (l) => lines.push(l.trim()), backlog: () => 0, end: onEnd, cut: onEnd };
}

describe('watch', () => {
  const types = (lines: string[]) => lines.map((l) => JSON.parse(l) as { type: string; object: KubeObject }).map((e) => `${e.type} ${e.object.metadata.name ?? ''}`);

  it('turns selector transitions into ADDED/DELETED for the watcher, as the watch cache does', () => {
    const lines: string[] = [];
    core.watch(scope('example.tcpshift.dev/v1', 'Widget'), { labelSelector: 'stage=canary', format: { kind: 'json' } }, sinkInto(lines));
    objects.create(widget('w', undefined, { stage: 'stable' }));
    objects.patch(widgetRef('w'), 'merge', { metadata: { labels: { stage: 'canary' } } });
    objects.patch(widgetRef('w'), 'merge', { spec: { size: 5 } });
    objects.patch(widgetRef('w'), 'merge', { metadata: { labels: { stage: 'stable' } } });
    objects.delete(widgetRef('w'));
    expect(types(lines)).toEqual(['ADDED w', 'MODIFIED w', 'DELETED w']);
  });

  it('filters by field selector (selectable fields of the CRD) and by namespace', () => {
    const lines: string[] = [];
    core.watch(scope('example.tcpshift.dev/v1', 'Widget'), { fieldSelector: 'spec.color=blue', format: { kind: 'json' } }, sinkInto(lines));
    objects.create(widget('red'));
    objects.create(widget('blue', { color: 'blue' }));
    expect(types(lines)).toEqual(['ADDED blue']);
    expect(apiError(() => core.watch(scope('example.tcpshift.dev/v1', 'Widget'), { fieldSelector: 'spec.size=3', format: { kind: 'json' } }, sinkInto([]))).message).toBe(
      'field label not supported: spec.size',
    );
  });

  it('sends the current state as ADDED without a resourceVersion, then bookmarks, then ends at timeoutSeconds', async () => {
    objects.create(widget('existing'));
    const lines: string[] = [];
    let ended = false;
    core.watch(scope('example.tcpshift.dev/v1', 'Widget'), { allowWatchBookmarks: true, timeoutSeconds: 3, format: { kind: 'json' } }, sinkInto(lines, () => (ended = true)));
    expect(types(lines)).toEqual(['ADDED existing']);
    await clock.advance(1000);
    const bookmark = JSON.parse(lines[1] as string) as { type: string; object: KubeObject };
    expect(bookmark).toEqual({ type: 'BOOKMARK', object: { kind: 'Widget', apiVersion: 'example.tcpshift.dev/v1', metadata: { resourceVersion: String(core.store.revision()) } } });
    await clock.advance(1999);
    expect(ended).toBe(false);
    await clock.advance(1);
    expect(ended).toBe(true);
    expect(core.sessions.size).toBe(0);
  });

  it('marks the end of initial events with a bookmark when asked (sendInitialEvents)', () => {
    objects.create(widget('one'));
    const lines: string[] = [];
    core.watch(scope('example.tcpshift.dev/v1', 'Widget'), { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersion: '', format: { kind: 'json' } }, sinkInto(lines));
    const last = JSON.parse(lines[1] as string) as { type: string; object: KubeObject };
    expect(last.type).toBe('BOOKMARK');
    expect(last.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  });

  it('answers an ERROR event with a 410 Expired Status for a version older than the history', () => {
    const start = String(core.store.revision());
    for (let i = 0; i < 60; i++) objects.apply([cm('churn', { n: String(i) })]);
    const lines: string[] = [];
    let ended = false;
    core.watch(scope('v1', 'ConfigMap'), { resourceVersion: start, format: { kind: 'json' } }, sinkInto(lines, () => (ended = true)));
    expect(JSON.parse(lines[0] as string)).toEqual({
      type: 'ERROR',
      object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `too old resource version: ${start} (${core.store.compactedRevision('/configmaps')})`, reason: 'Expired', code: 410 },
    });
    expect(ended).toBe(true);
  });
});
