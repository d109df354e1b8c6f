import { deepEqual } from '../util/json-patch.js';
import { formatMicroTime, parseTime } from './micro-time.js';
import type { LeaseSpec } from './objects.js';

/**
 * client-go's leader-election record and decision (tryAcquireOrRenew), as pure functions. A
 * lease held by another is respected for leaseDurationSeconds counted from when *this* elector
 * last saw the record change (observedTime), not from the holder's renewTime, so clock skew
 * between candidates does not matter.
 */
export interface LeaderElectionRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTimeMs: number | undefined;
  renewTimeMs: number | undefined;
  leaderTransitions: number;
}

export interface Observation {
  record: LeaderElectionRecord;
  /** Local monotonic time (ms) when the record was last seen to change. */
  observedAtMs: number;
}

export function recordFromLease(spec: LeaseSpec | undefined): LeaderElectionRecord {
  return {
    holderIdentity: spec?.holderIdentity ?? '',
    leaseDurationSeconds: spec?.leaseDurationSeconds ?? 0,
    acquireTimeMs: parseTime(spec?.acquireTime),
    renewTimeMs: parseTime(spec?.renewTime),
    leaderTransitions: spec?.leaseTransitions ?? 0,
  };
}

export function leaseSpecFromRecord(r: LeaderElectionRecord): LeaseSpec {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: r.acquireTimeMs === undefined ? null : formatMicroTime(r.acquireTimeMs),
    renewTime: r.renewTimeMs === undefined ? null : formatMicroTime(r.renewTimeMs),
    leaseTransitions: r.leaderTransitions,
  };
}

/** The observation after reading `fetched`: unchanged records keep their observation time. */
export function observe(previous: Observation | undefined, fetched: LeaderElectionRecord, nowMs: number): Observation {
  if (previous && deepEqual(previous.record, fetched)) return previous;
  return { record: fetched, observedAtMs: nowMs };
}

export function isLeaseValid(observation: Observation, nowMs: number): boolean {
  return observation.observedAtMs + observation.record.leaseDurationSeconds * 1000 > nowMs;
}

/** The record a new lease gets. */
export function freshRecord(identity: string, leaseDurationSeconds: number, nowMs: number): LeaderElectionRecord {
  return { holderIdentity: identity, leaseDurationSeconds, acquireTimeMs: nowMs, renewTimeMs: nowMs, leaderTransitions: 0 };
}

/**
 * What to write to acquire or renew, given what was observed; undefined when another holder's
 * lease is still valid. Renewing keeps acquireTime and transitions; taking over counts one more
 * transition.
 */
export function nextRecord(
  observation: Observation,
  identity: string,
  leaseDurationSeconds: number,
  now: { epochMs: number; monotonicMs: number },
): LeaderElectionRecord | undefined {
  const current = observation.record;
  const iAmLeader = current.holderIdentity === identity;
  if (current.holderIdentity !== '' && !iAmLeader && isLeaseValid(observation, now.monotonicMs)) return undefined;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    renewTimeMs: now.epochMs,
    acquireTimeMs: iAmLeader ? current.acquireTimeMs : now.epochMs,
    leaderTransitions: iAmLeader ? current.leaderTransitions : current.leaderTransitions + 1,
  };
}

/** Release on shutdown: no holder, a 1 s lease, transitions kept (client-go's release()). */
export function releasedRecord(current: LeaderElectionRecord, nowMs: number): LeaderElectionRecord {
  return { holderIdentity: '', leaseDurationSeconds: 1, acquireTimeMs: nowMs, renewTimeMs: nowMs, leaderTransitions: current.leaderTransitions };
}
