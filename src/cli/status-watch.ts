/**
 * `status NAME -w`: follow a shift from any terminal until it ends, then exit with the code the
 * shift itself exits with. A shift that publishes its probe counters (a CLI shift on its lock
 * renewals, every few seconds; a TCPShift in status.probes, at most every --status-interval) is
 * drawn with the shift's own live view (src/cli/shift-progress.ts: step, weights bar, probe
 * counters, bake left); otherwise a line is printed whenever the phase, step, activity, weights
 * or split change. A CLI shift whose process is gone (holder dead) ends the watch with exit 1:
 * nothing will move it until someone resumes it.
 */
import { resolveStoredSpec } from '../controller/index.js';
import type { KubeClient } from '../kube/index.js';
import type { ProbeTotals, ShiftState } from '../shift/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import { ExitCode, exitCodeOfPhase } from './exit-codes.js';
import type { CliContext } from './io.js';
import { ShiftProgress, type LiveCounters } from './shift-progress.js';
import { lookUp } from './shift-request.js';
import type { FoundShift } from './shift-target.js';
import { storedRun, type ShiftView } from './shift-view.js';
import { phaseWords, statusText } from './status.js';

const POLL_MS = 1000;

/** The exit code of a shift as it stands: the codes `shift` exits with (0, 3, 4; 1 failed or holder dead). */
export function exitCodeOf(view: ShiftView): number | undefined {
  return view.activity === 'holder-dead' ? ExitCode.Error : exitCodeOfPhase(view.phase, view.rollback?.cause);
}

/** The live view's counters from published totals. */
export function liveCounters(totals: ProbeTotals): LiveCounters {
  const { longLived: ll, newConnections: n } = totals;
  return {
    longLivedWanted: ll.wanted,
    longLivedOpen: ll.open,
    heartbeatsEchoed: ll.heartbeats,
    ends: ll.ends,
    newConnections: n && { attempted: n.attempted, failed: n.failed, observedCanaryShare: n.observedCanaryShare ?? null, interval: n.interval, ...(n.split ? { split: { decision: n.split } } : {}) },
  };
}

/** The engine state and the spec it runs: a CLI shift's from its route, a TCPShift's from its status. */
function runOf(found: FoundShift): { spec: ResolvedSpec; state: ShiftState } | undefined {
  if (found.kind === 'cli') return found.state && { spec: found.shift.spec, state: found.state };
  const run = storedRun(found.object);
  const resolved = run && resolveStoredSpec(run.spec, { name: found.name, namespace: found.namespace });
  return run && resolved && { spec: resolved.shift.spec, state: run.state };
}

/** The live view of a shift, fed with the counters it publishes. */
class PublishedView {
  private progress: ShiftProgress | undefined;
  private counters: LiveCounters | undefined;
  private canary = 0;

  constructor(private readonly ctx: CliContext) {}

  show(found: FoundShift, view: ShiftView): boolean {
    const run = view.probes && runOf(found);
    if (!view.probes || !run) return false;
    this.counters = liveCounters(view.probes);
    const canary = view.weights?.canary ?? 0;
    // a step's write carries `stepping` and no bakeUntil: the view's estimate gives the bake left
    const bakeUntil = view.bakeEndsAt === undefined ? {} : { bakeUntil: Date.parse(view.bakeEndsAt) };
    const state: ShiftState = run.state.phase === 'stepping' && view.activity === 'baking' ? { ...run.state, phase: 'baking', ...bakeUntil } : run.state;
    if (!this.progress) {
      this.progress = new ShiftProgress(this.ctx.stdout, this.ctx, run.spec, found);
      this.progress.begin([], state, { counters: () => this.counters as LiveCounters, onEnd: () => () => undefined }, canary);
      this.progress.printStatus();
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
