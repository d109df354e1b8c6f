/**
 * Who runs a CLI shift, kept on the route next to its state: `tcpshift.io/holder`
 * (host/pid/random) and `tcpshift.io/expires` (RFC 3339), renewed while the process runs. Two
 * shifts of one route refuse to run at once; a dead holder's lock (expired, or a process of this
 * host that no longer exists) can be taken over by `resume`. Pure, but for the process check
 * the caller injects.
 */
import type { MetadataChanges } from '../router/index.js';
import { ShiftAnnotations } from './annotations.js';

export interface Holder {
  identity: string;
  expiresAt: number;
}

export type LockState =
  | { kind: 'free' }
  | { kind: 'held'; holder: Holder }
  | { kind: 'stale'; holder: Holder; why: string };

/** What a host can tell about a holder identity: is it a process of this host that is gone? */
export interface ProcessProbe {
  hostname: string;
  isAlive(pid: number): boolean;
}

export function holderIdentity(hostname: string, pid: number, random: string): string {
  return `${hostname}/${pid}/${random}`;
}

export function readHolder(annotations: Readonly<Record<string, string>>): Holder | undefined {
  const identity = annotations[ShiftAnnotations.holder];
  if (!identity) return undefined;
  const expiresAt = Date.parse(annotations[ShiftAnnotations.expires] ?? '');
  return { identity, expiresAt: Number.isNaN(expiresAt) ? 0 : expiresAt };
}

/** host/pid of an identity, when it has that form. */
function processOf(identity: string): { hostname: string; pid: number } | undefined {
  const match = /^(.+)\/(\d+)\/[^/]*$/.exec(identity);
  return match ? { hostname: match[1] as string, pid: Number(match[2]) } : undefined;
}

export function lockState(annotations: Readonly<Record<string, string>>, now: number, local?: ProcessProbe): LockState {
  const holder = readHolder(annotations);
  if (!holder) return { kind: 'free' };
  if (holder.expiresAt <= now) return { kind: 'stale', holder, why: `its lock expired at ${new Date(holder.expiresAt).toISOString()}` };
  const proc = processOf(holder.identity);
  if (local && proc && proc.hostname === local.hostname && !local.isAlive(proc.pid)) {
    return { kind: 'stale', holder, why: `process ${proc.pid} no longer runs on ${proc.hostname}` };
  }
  return { kind: 'held', holder };
}

export function holderAnnotations(identity: string, expiresAt: number): MetadataChanges {
  return { [ShiftAnnotations.holder]: identity, [ShiftAnnotations.expires]: new Date(expiresAt).toISOString() };
}

export const releaseHolder: MetadataChanges = { [ShiftAnnotations.holder]: null, [ShiftAnnotations.expires]: null };

/** Another live process runs a shift of this route. */
export class LockHeldError extends Error {
  override readonly name = 'LockHeldError';
  constructor(
    message: string,
    readonly holder: Holder,
  ) {
    super(message);
  }
}

/** This process's lock was taken over (or removed): it must stop writing at once. */
export class LockLostError extends Error {
  override readonly name = 'LockLostError';
}

/** Throws LockLostError unless `identity` holds the lock in these annotations. */
export function assertHolder(annotations: Readonly<Record<string, string>>, identity: string): void {
  const holder = annotations[ShiftAnnotations.holder];
  if (holder !== identity) {
    throw new LockLostError(holder ? `the shift was taken over by ${holder}` : 'the shift lock was removed from the route');
  }
}
