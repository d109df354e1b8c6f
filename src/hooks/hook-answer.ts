import type { HookContext, HookResult } from '../shift/index.js';
import { formatDuration } from '../util/duration.js';

/**
 * One line for a webhook's answer, as the CLI prints it and the controller's Event says it:
 * `hook load-test (pre-step, step 2): HTTP 200 in 35ms`, or
 * `! hook load-test (pre-step, step 2): HTTP 500 after 3 attempts in 2.1s` (the `!` for the CLI).
 */
export function hookAnswer(result: HookResult, context: Pick<HookContext, 'step'>): string {
  const where = context.step !== undefined ? `${result.type}, step ${context.step}` : result.type;
  const answer = result.ok ? `HTTP ${result.status ?? '2xx'}` : (result.error ?? 'failed');
  const attempts = result.attempts > 1 ? ` after ${result.attempts} attempts` : '';
  return `hook ${result.name} (${where}): ${answer}${attempts} in ${formatDuration(result.durationMs)}`;
}
