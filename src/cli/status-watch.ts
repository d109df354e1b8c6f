/**
 * `status NAME -w`: follow a shift from any terminal until it ends, then exit with the code the
 * shift itself exits with. A CLI shift that publishes its probe counters (on its lock renewals,
 * every few seconds) is drawn with the shift's own live view (src/cli/shift-progress.ts: step,
 * weights bar, probe counters, bake left); otherwise, and for TCPShifts, a line is printed
 * whenever the phase, step, activity, weights or split change. A CLI shift whose process is gone
 * (holder dead) ends the watch with exit 1: nothing will move it until someone resumes it.
 */
import type { KubeClient } from '../kube/index.js';
import type { ProbeCounters, ShiftState } from '../shift/index.js';
import { ExitCode, exitCodeOfPhase } from './exit-codes.js';
import type { CliContext } from './io.js';
import { ShiftProgress } from './shift-progress.js';
import { lookUp } from './shift-request.js';
import type { FoundShift } from './shift-target.js';
import type { ShiftView } from './shift-view.js';
import { phaseWords, statusText } from './status.js';

const POLL_MS = 1000;

/** The exit code of a shift as it stands: the codes `shift` exits with (0, 3, 4; 1 failed or holder dead). */
export function exitCodeOf(view: ShiftView): number | undefined {
  return view.activity === 'holder-dead' ? ExitCode.Error : exitCodeOfPhase(view.phase, view.rollback?.cause);
}

/** The live view of a CLI shift, fed with the counters it publishes. */
class PublishedView {
  private progress: ShiftProgress | undefined;
  private counters: ProbeCounters | undefined;
  private canary = 0;

  constructor(private readonly ctx: CliContext) {}

  show(found: FoundShift, view: ShiftView): boolean {
    if (found.kind !== 'cli' || !found.state || !view.probes) return false;
    this.counters = view.probes.counters;
    const canary = view.weights?.canary ?? 0;
    // a step's write carries `stepping` and no bakeUntil: the view's estimate gives the bake left
    const bakeUntil = view.bakeEndsAt === undefined ? {} : { bakeUntil: Date.parse(view.bakeEndsAt) };
    const state: ShiftState = found.state.phase === 'stepping' && view.activity === 'baking' ? { ...found.state, phase: 'baking', ...bakeUntil } : found.state;
    if (!this.progress) {
      this.progress = new ShiftProgress(this.ctx.stdout, this.ctx, found.shift.spec);
      this.progress.begin([], state, { counters: () => this.counters as ProbeCounters, onEnd: () => () => undefined }, canary);
    } else {
      this.progress.decided({ state, actions: [], events: [] });
      if (canary !== this.canary) this.progress.weightWritten(canary, canary === 0 ? 'rollback' : 'step');
    }
    this.canary = canary;
    return true;
  }

  line(text: string): void {
    if (this.progress) this.progress.line(text);
    else this.ctx.stdout.write(`${text}\n`);
  }

  finish(): void {
    this.progress?.finish();
  }
}

/** What a printed line shows, without the seconds left (which change every poll). */
function gist(view: ShiftView): string {
  return JSON.stringify([view.phase, view.activity, view.step.number, view.weights, view.split?.decision, view.split?.attempted, view.probes?.at]);
}

export async function watchShift(kube: KubeClient, name: string, namespace: string | undefined, ctx: CliContext): Promise<number> {
  const live = new PublishedView(ctx);
  let shown = '';
  try {
    for (;;) {
      const { found, view } = await lookUp(kube, name, namespace, ctx);
      const code = exitCodeOf(view);
      if (code !== undefined) {
        live.finish();
        ctx.stdout.write(statusText(found, view, ctx.clock.now()));
        return code;
      }
      if (!live.show(found, view) && gist(view) !== shown) live.line(`${new Date(ctx.clock.now()).toISOString()} ${view.name}: ${phaseWords(view, ctx.clock.now())}`);
      shown = gist(view);
      if (ctx.interrupts.aborted) return ExitCode.Ok;
      await ctx.clock.sleep(POLL_MS, ctx.interrupts).catch(() => undefined);
      if (ctx.interrupts.aborted) return ExitCode.Ok;
    }
  } finally {
    live.finish();
  }
}
