import type { Command } from 'commander';
import type { CliContext } from './io.js';
import { abortVerb } from './abort.js';
import { controllerVerb } from './controller.js';
import { demoVerb } from './demo.js';
import { probeCommand } from './probe.js';
import { renderVerb } from './render.js';
import { reportVerb } from './report.js';
import { resumeVerb } from './resume.js';
import { rollbackVerb } from './rollback.js';
import { sandboxCommand } from './sandbox.js';
import { shiftVerb } from './shift.js';
import { statusVerb } from './status.js';

/** One entry per verb file in src/cli/; each builds its commander Command. */
export const verbs: ReadonlyArray<(ctx: CliContext) => Command> = [
  renderVerb,
  probeCommand,
  shiftVerb,
  statusVerb,
  reportVerb,
  abortVerb,
  resumeVerb,
  rollbackVerb,
  sandboxCommand,
  demoVerb,
  controllerVerb,
];
