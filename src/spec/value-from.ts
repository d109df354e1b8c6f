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
