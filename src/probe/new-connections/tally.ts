import { NEW_CONNECTION_FAILURE_KINDS, type NewConnectionFailureKind, type NewConnectionsBlock, type SplitVerdict } from '../report-blocks.js';
import { summarize } from '../stats/quantiles.js';
import { wilsonInterval } from '../stats/wilson.js';

/** One new-connection attempt: how it went and which version answered. */
export type NewConnectionSample =
  | { ok: true; n: number; startedAt: number; version: string; connectMs: number; ttfbMs: number | undefined }
  | { ok: false; n: number; startedAt: number; failure: NewConnectionFailureKind; detail: string; connectMs: number | undefined };

/** Keys a block's byVersion has at most (the canary and OTHER_VERSIONS included). */
export const MAX_VERSIONS_PER_BLOCK = 8;
/** The byVersion bucket of names beyond the first MAX_VERSIONS_PER_BLOCK (not a valid version name, so never one). */
export const OTHER_VERSIONS = '(other)';

/** Counts samples into the newConnections report block. */
export class SampleTally {
  private readonly connectMs: number[] = [];
  private readonly ttfbMs: number[] = [];
  private readonly byVersion: Record<string, number> = {};
  private readonly failures = Object.fromEntries(NEW_CONNECTION_FAILURE_KINDS.map((k) => [k, 0])) as Record<NewConnectionFailureKind, number>;
  private attempted = 0;
  private succeeded = 0;

  constructor(
    private readonly canaryVersion: string,
    private readonly confidence: number,
  ) {}

  add(sample: NewConnectionSample): void {
    this.attempted++;
    if (sample.connectMs !== undefined) this.connectMs.push(sample.connectMs);
    if (!sample.ok) {
      this.failures[sample.failure]++;
      return;
    }
    this.succeeded++;
    const key = this.keyOf(sample.version);
    this.byVersion[key] = (this.byVersion[key] ?? 0) + 1;
    if (sample.ttfbMs !== undefined) this.ttfbMs.push(sample.ttfbMs);
  }

  /** The version's own key while there are few; the canary always keeps its own. */
  private keyOf(version: string): string {
    if (version === this.canaryVersion || version in this.byVersion) return version;
    const named = Object.keys(this.byVersion).filter((k) => k !== OTHER_VERSIONS && k !== this.canaryVersion).length;
    return named < MAX_VERSIONS_PER_BLOCK - 2 ? version : OTHER_VERSIONS;
  }

  block(split?: SplitVerdict): NewConnectionsBlock {
    const canary = this.byVersion[this.canaryVersion] ?? 0;
    const block: NewConnectionsBlock = {
      attempted: this.attempted,
      succeeded: this.succeeded,
      failed: this.attempted - this.succeeded,
      byVersion: { ...this.byVersion },
      canaryVersion: this.canaryVersion,
      observedCanaryShare: this.succeeded === 0 ? null : canary / this.succeeded,
      interval: wilsonInterval(canary, this.succeeded, this.confidence),
      connectMs: summarize(this.connectMs),
      ttfbMs: summarize(this.ttfbMs),
      failuresByKind: { ...this.failures },
    };
    if (split) block.split = split;
    return block;
  }
}
