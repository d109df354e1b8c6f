// sequential: samples the sequential split test needs on average, against the fixed-size test
// with the same error rates (alpha = beta = 1 - confidence), by seeded simulation over targets
// and true shares at and off by the tolerance.
import { fixedSampleSize, simulateSplitTest } from '../../src/probe/index.js';
import type { BenchSuite } from '../suite.js';

const TOLERANCE = 0.05;
const CONFIDENCE = 0.99;
const TARGETS = [0, 0.1, 0.25, 0.5];

export const suite: BenchSuite = {
  key: 'sequential',
  title: 'sequential split test vs fixed-size test, same error rates',
  run(options) {
    const { quick } = options;
    const log = (line: string): void => options.log(line);
    const runs = quick ? 300 : 2000;
    let sequentialTotal = 0;
    let fixedTotal = 0;
    let scenarios = 0;
    let falseInconsistent = 0;
    let rightRuns = 0;
    let falseConsistent = 0;
    let offRuns = 0;
    for (const [i, p0] of TARGETS.entries()) {
      const options = { targetShare: p0, tolerance: TOLERANCE, confidence: CONFIDENCE, maxSamples: 1_000_000 };
      const fixed = fixedSampleSize(options);
      for (const p of [p0 - TOLERANCE, p0, p0 + TOLERANCE].filter((x) => x >= 0 && x <= 1)) {
        const r = simulateSplitTest(options, p, runs, 1000 + i);
        log(`p0 ${p0}, true ${p.toFixed(2)}: mean ${r.meanSamples.toFixed(0)} samples (fixed ${fixed}), ${JSON.stringify(r.decisions)}`);
        sequentialTotal += r.meanSamples;
        fixedTotal += fixed;
        scenarios++;
        if (p === p0) {
          falseInconsistent += r.decisions.inconsistent;
          rightRuns += runs;
        } else {
          falseConsistent += r.decisions.consistent;
          offRuns += runs;
        }
      }
    }
    const meanSamples = Math.round(sequentialTotal / scenarios);
    const fixedSamples = Math.round(fixedTotal / scenarios);
    const alpha = falseInconsistent / rightRuns;
    const beta = falseConsistent / offRuns;
    const nominal = 1 - CONFIDENCE;
    return Promise.resolve({
      block: { meanSamples, fixedSamples },
      rows: [
        { metric: 'mean samples, sequential', value: `${meanSamples}`, target: `< fixed-size ${fixedSamples}`, pass: meanSamples < fixedSamples },
        { metric: 'right split called inconsistent', value: `${(alpha * 100).toFixed(2)} %`, target: `~${(nominal * 100).toFixed(0)} % (<= 2x)`, pass: alpha <= 2 * nominal },
        { metric: 'split off by the tolerance called consistent', value: `${(beta * 100).toFixed(2)} %`, target: `~${(nominal * 100).toFixed(0)} % (<= 2x)`, pass: beta <= 2 * nominal },
      ],
    });
  },
};
