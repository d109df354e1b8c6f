import type { Command } from 'commander';
import type { CliContext } from './io.js';
import { abortVerb } from './abort.js';
import { completionVerb } from './completion.js';
import { controllerVerb } from './controller.js';
import { demoVerb } from './demo.js';
import { listVerb } from './list.js';
import { pauseVerb } from './pause.js';
import { probeCommand } from './probe.js';
import { promoteVerb } from './promote.js';
import { renderVerb } from './render.js';
import { reportVerb } from './report.js';
import { resumeVerb } from './resume.js';
import { retryVerb } from './retry.js';
import { rollbackVerb } from './rollback.js';
import { sandboxCommand } from './sandbox.js';
import { shiftVerb } from './shift.js';
import { statusVerb } from './status.js';

/** One entry per verb file in src/cli/; each builds its commander Command. */
export const verbs: ReadonlyArray<(ctx: CliContext) => Command> = [
  renderVerb,
  probeCommand,
  shiftVerb,
  listVerb,
  statusVerb,
  reportVerb,
  promoteVerb,
  pauseVerb,
  resumeVerb,
  retryVerb,
  abortVerb,
  rollbackVerb,
  sandboxCommand,
  demoVerb,
  controllerVerb,
  completionVerb,
];
