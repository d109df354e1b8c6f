import type { z } from 'zod';

/** A refinement for a list of named entries: a name used twice is an issue at the later entry's `name`. */
export function uniqueNames(list: string) {
  return (entries: readonly { name: string }[], ctx: z.RefinementCtx): void => {
    entries.forEach((entry, i) => {
      if (entries.findIndex((other) => other.name === entry.name) < i) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicates ${list}[].name ${entry.name}` });
    });
  };
}
