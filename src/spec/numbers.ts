import { z } from 'zod';

/** An integer in min..max, with a message saying so. */
export function integerIn(min: number, max: number) {
  const message = `must be an integer in ${min}..${max}`;
  return z.number({ error: message }).int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

/** A number in an interval; `exclusiveMin`/`exclusiveMax` open that end. */
export function numberIn(min: number, max: number, options: { exclusiveMin?: boolean; exclusiveMax?: boolean } = {}) {
  const lo = options.exclusiveMin ? `(${min}` : `[${min}`;
  const hi = options.exclusiveMax ? `${max})` : `${max}]`;
  const message = `must be a number in ${lo}, ${hi}`;
  const base = z.number({ error: message });
  const withMin = options.exclusiveMin ? base.gt(min, { error: message }) : base.min(min, { error: message });
  return options.exclusiveMax ? withMin.lt(max, { error: message }) : withMin.max(max, { error: message });
}
