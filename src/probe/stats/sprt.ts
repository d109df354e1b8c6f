import { normalQuantile } from './normal.js';

/**
 * Sequential test of the observed canary share against the target share p0.
 *
 * H0 "consistent": the share is p0. H1 "inconsistent": the share is off by at least `tolerance`
 * (delta, absolute). It runs Wald's SPRT of p0 against p0 + delta and, separately, of p0 against
 * p0 - delta (each only when that alternative lies in [0, 1]), and stops as soon as
 *   - either one-sided test accepts its alternative  -> "inconsistent", or
 *   - every active one-sided test accepted p0        -> "consistent", or
 *   - `maxSamples` samples were seen without that     -> "undecided".
 * Error rates follow from the confidence c: alpha = 1 - c (calling a right split inconsistent,
 * shared between the active sides) and beta = 1 - c per side (calling a split that is off by
 * delta consistent). Wald's thresholds keep both rates at or below these values.
 *
 * p0 = 0 or p0 = 1 need no special case: a sample of the other version has probability 0 under
 * H0, its log-likelihood ratio is +Infinity and one such sample decides "inconsistent". To accept
 * "consistent" the test needs n samples with (1 - delta)^n <= beta: that is the allowance for a
 * share of up to delta slipping through unseen with probability beta.
 */
export type SplitDecision = 'consistent' | 'inconsistent' | 'undecided';
export type SplitTestState = 'running' | SplitDecision;

export interface SplitTestOptions {
  /** Target canary share p0 in [0, 1] (weight / sum of weights). */
  targetShare: number;
  /** delta: smallest absolute deviation that must be called inconsistent, in (0, 1). */
  tolerance: number;
  /** c in (0.5, 1): 0.99 gives error rates of 1 %. */
  confidence: number;
  /** Stop with "undecided" after this many samples. */
  maxSamples: number;
}

interface OneSidedTest {
  /** Log-likelihood ratio increment for a canary sample and for a stable sample. */
  readonly canaryWeight: number;
  readonly stableWeight: number;
  readonly acceptAlternativeAt: number;
  readonly acceptNullAt: number;
  llr: number;
  state: 'running' | 'null' | 'alternative';
}

export class SequentialSplitTest {
  private readonly sides: OneSidedTest[];
  private samplesSeen = 0;
  private canarySeen = 0;
  private current: SplitTestState = 'running';

  constructor(readonly options: SplitTestOptions) {
    validate(options);
    const { targetShare: p0, tolerance: delta, confidence } = options;
    const alternatives = alternativeShares(p0, delta);
    const alpha = (1 - confidence) / Math.max(1, alternatives.length);
    const beta = 1 - confidence;
    this.sides = alternatives.map((p1) => oneSided(p0, p1, alpha, beta));
    if (this.sides.length === 0) this.current = 'consistent';
  }

  /** Record one identified sample; returns the state after it. Samples after a decision are ignored. */
  add(isCanary: boolean): SplitTestState {
    if (this.current !== 'running') return this.current;
    this.samplesSeen++;
    if (isCanary) this.canarySeen++;
    for (const side of this.sides) step(side, isCanary);
    this.current = this.decide();
    return this.current;
  }

  get state(): SplitTestState {
    return this.current;
  }

  get samples(): number {
    return this.samplesSeen;
  }

  get canary(): number {
    return this.canarySeen;
  }

  private decide(): SplitTestState {
    if (this.sides.some((s) => s.state === 'alternative')) return 'inconsistent';
    if (this.sides.every((s) => s.state === 'null')) return 'consistent';
    return this.samplesSeen >= this.options.maxSamples ? 'undecided' : 'running';
  }
}

function validate(o: SplitTestOptions): void {
  if (!(o.targetShare >= 0 && o.targetShare <= 1)) throw new RangeError(`targetShare must be in [0, 1], got ${o.targetShare}`);
  if (!(o.tolerance > 0 && o.tolerance < 1)) throw new RangeError(`tolerance must be in (0, 1), got ${o.tolerance}`);
  if (!(o.confidence > 0.5 && o.confidence < 1)) throw new RangeError(`confidence must be in (0.5, 1), got ${o.confidence}`);
  if (!(Number.isInteger(o.maxSamples) && o.maxSamples > 0)) throw new RangeError(`maxSamples must be a positive integer, got ${o.maxSamples}`);
}

/** p0 + delta and p0 - delta, each only when it is a share (rounded against 0.7 + 0.3 > 1). */
function alternativeShares(p0: number, delta: number): number[] {
  return [p0 + delta, p0 - delta].map((p) => Number(p.toFixed(12))).filter((p1) => p1 >= 0 && p1 <= 1);
}

/** log(a / b) with the conventions log(0/0) = 0, log(x/0) = +Inf, log(0/x) = -Inf. */
function logRatio(a: number, b: number): number {
  if (a === b) return 0;
  return Math.log(a) - Math.log(b);
}

function oneSided(p0: number, p1: number, alpha: number, beta: number): OneSidedTest {
  return {
    canaryWeight: logRatio(p1, p0),
    stableWeight: logRatio(1 - p1, 1 - p0),
    acceptAlternativeAt: Math.log((1 - beta) / alpha),
    acceptNullAt: Math.log(beta / (1 - alpha)),
    llr: 0,
    state: 'running',
  };
}

function step(side: OneSidedTest, isCanary: boolean): void {
  if (side.state !== 'running') return;
  side.llr += isCanary ? side.canaryWeight : side.stableWeight;
  if (side.llr >= side.acceptAlternativeAt) side.state = 'alternative';
  else if (side.llr <= side.acceptNullAt) side.state = 'null';
}

/**
 * Sample size of the fixed-size two-sided test with the same error rates as the sequential one
 * (normal approximation; the zero-failure test at p0 = 0 or 1). For comparisons and benchmarks.
 */
export function fixedSampleSize(options: Omit<SplitTestOptions, 'maxSamples'>): number {
  const { targetShare: p0, tolerance: delta, confidence } = options;
  const alternatives = alternativeShares(p0, delta);
  const alpha = 1 - confidence;
  const beta = 1 - confidence;
  if (p0 === 0 || p0 === 1) return Math.ceil(Math.log(beta) / Math.log(1 - delta));
  const zAlpha = normalQuantile(1 - alpha / 2);
  const zBeta = normalQuantile(1 - beta);
  const sizes = alternatives.map((p1) => {
    const root = zAlpha * Math.sqrt(p0 * (1 - p0)) + zBeta * Math.sqrt(p1 * (1 - p1));
    return Math.ceil((root / delta) ** 2);
  });
  return Math.max(1, ...sizes);
}
