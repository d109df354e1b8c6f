import type { VersionCodec } from './resource-def.js';
import type { KubeObject } from './types.js';

/**
 * events.k8s.io/v1 Events are the same stored objects as core v1 Events, under other field names
 * (as in the real server, which converts between the two). Pairs are [core/v1, events.k8s.io/v1].
 */
const renames: Array<[string, string]> = [
  ['involvedObject', 'regarding'],
  ['message', 'note'],
  ['reportingComponent', 'reportingController'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
];
const shared = ['metadata', 'eventTime', 'series', 'reportingInstance', 'action', 'reason', 'related', 'type'];

function convert(object: KubeObject, apiVersion: string, pairs: Array<[string, string]>): KubeObject {
  const out: KubeObject = { apiVersion, kind: 'Event', metadata: object.metadata };
  for (const key of shared) if (object[key] !== undefined) out[key] = object[key];
  for (const [from, to] of pairs) if (object[from] !== undefined) out[to] = object[from];
  return out;
}

export const eventsV1Codec: VersionCodec = {
  fromStorage: (core) => convert(core, 'events.k8s.io/v1', renames),
  toStorage: (events) => convert(events, 'v1', renames.map(([a, b]) => [b, a])),
};
