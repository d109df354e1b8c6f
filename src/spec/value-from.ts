import { z } from 'zod';
import { strictObject } from './strict-object.js';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Where a secret value (a Prometheus token, a chat webhook URL) is found in the process that uses
 * it (the CLI, or the controller's pod with a mounted Secret): never stored with the spec, logged
 * or reported. Exactly one of the two is checked by the field that uses it (src/util/read-value-from.ts reads it).
 */
export const valueFromSchema = strictObject({
  env: z.string().max(256).regex(ENV_NAME, { error: 'must be an environment variable name' }).optional(),
  file: z.string().min(1).max(4096).optional(),
}, 'an object');

export type ValueFrom = z.output<typeof valueFromSchema>;

/**
 * A refinement for an object holding a value inline (`inline`) or from a ValueFrom (`from`):
 * exactly one of the inline value, `from.env` and `from.file` is given (the issue is at `inline`).
 */
export function exactlyOneSource<Inline extends string, From extends string>(inline: Inline, from: From) {
  return (value: { [K in Inline]?: unknown } & { [K in From]?: ValueFrom | undefined }, ctx: z.RefinementCtx): void => {
    const source = value[from];
    const given = [value[inline] !== undefined, source?.env !== undefined, source?.file !== undefined].filter(Boolean).length;
    if (given !== 1) ctx.addIssue({ code: 'custom', path: [inline], message: `give exactly one of ${inline}, ${from}.env, ${from}.file` });
  };
}
