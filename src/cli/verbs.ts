import type { Command } from 'commander';
import type { CliContext } from './io.js';
import { probeCommand } from './probe.js';
import { renderVerb } from './render.js';
import { sandboxCommand } from './sandbox.js';

/** One entry per verb file in src/cli/; each builds its commander Command. */
export const verbs: ReadonlyArray<(ctx: CliContext) => Command> = [renderVerb, probeCommand, sandboxCommand];
