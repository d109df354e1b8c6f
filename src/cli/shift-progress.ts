import { describeEnd, type EndedConnection } from '../probe/index.js';
import type { Decision, ShiftObserver, ShiftProber, ShiftState, WeightPurpose } from '../shift/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { TimerHandle } from '../util/clock.js';
import { formatDuration } from '../util/duration.js';
import type { CliContext } from './io.js';

/** What the live view reads of the probes: the running prober, or (status -w) the counters a shift published. */
export type ProgressSource = Pick<ShiftProber, 'counters' | 'onEnd'>;

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

const BAR = 30;

/** `▕██████░░░░░░▏` with the canary share filled. */
export function weightBar(canary: number): string {
  const filled = Math.round((canary / 100) * BAR);
  return `▕${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}▏`;
}

function percent(share: number | null): string {
  return share === null ? '-' : `${Number((share * 100).toFixed(1))}%`;
}

/**
 * Progress of a shift. On a TTY a live view redrawn four times a second under the event lines
 * (step i/n, stable/canary weights as a bar, probe counters, time left in the bake); otherwise
 * plain lines: each event as it happens and a status line every 5 s.
 */
export class ShiftProgress implements ShiftObserver {
  private readonly live: boolean;
  private timer: TimerHandle | undefined;
  private drawn = 0;
  private state: ShiftState | undefined;
  private prober: ProgressSource | undefined;
  private canary = 0;
  private readonly startedAt: number;

  constructor(
    private readonly out: Out,
    private readonly ctx: CliContext,
    private readonly spec: ResolvedSpec,
  ) {
    this.live = out.isTTY === true;
    this.startedAt = ctx.clock.now();
  }

  /** Print the header lines and start the live view. */
  begin(header: string[], state: ShiftState, prober: ProgressSource, canary: number): void {
    this.state = state;
    this.prober = prober;
    this.canary = canary;
    for (const line of header) this.line(line);
    prober.onEnd((end) => this.ended(end));
    this.schedule();
  }

  decided(decision: Decision): void {
    this.state = decision.state;
    for (const event of decision.events) this.line(`${this.elapsed()} ${event.warning ? '! ' : ''}${event.message}`);
  }

  weightWritten(canaryWeight: number, purpose: WeightPurpose): void {
    this.canary = canaryWeight;
    const what = purpose === 'rollback' ? 'rollback written' : purpose === 'promote' ? 'promotion written' : 'weights written';
    this.line(`${this.elapsed()} ${what}: stable ${100 - canaryWeight}% / canary ${canaryWeight}%`);
  }

  writeRetry(error: unknown, attempt: number, delayMs: number): void {
    this.line(`${this.elapsed()} ! write failed (${error instanceof Error ? error.message : String(error)}); retry ${attempt} in ${formatDuration(delayMs)}`);
  }

  writePending(what: string, pendingMs: number): void {
    this.line(`${this.elapsed()} ! ${what} pending for ${Math.floor(pendingMs / 1000)} s (API slow or unreachable); probing goes on`);
  }

  /** Print a line above the live view. */
  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.draw();
  }

  finish(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.clear();
  }

  private ended(end: EndedConnection): void {
    if (end.end === 'drained') return; // counted in the status; a wave of them would flood the log
    this.line(`${this.elapsed()} ${end.end === 'refused' ? '' : '! '}long-lived ${describeEnd(end)}`);
  }

  private schedule(): void {
    this.timer = this.ctx.clock.setTimer(
      () => {
        if (this.live) this.draw();
        else this.out.write(`${this.elapsed()} ${this.statusLines().join(' | ')}\n`);
        this.schedule();
      },
      this.live ? 250 : 5000,
    );
  }

  /** The live view's lines. */
  statusLines(): string[] {
    const state = this.state;
    const counters = this.prober?.counters();
    if (!state || !counters) return [];
    const steps = this.spec.schedule.steps;
    const step = state.stepIndex < 0 ? 'starting' : `step ${state.stepIndex + 1}/${steps.length}`;
    const left = state.phase === 'baking' && state.bakeUntil !== undefined ? `, bake ${formatDuration(Math.max(0, Math.round((state.bakeUntil - this.ctx.clock.now()) / 100) * 100))} left` : '';
    const n = counters.newConnections;
    const split = n?.split ? `, split ${n.split.decision === 'undecided' && state.phase === 'baking' ? 'testing' : n.split.decision}` : '';
    const newLine = n
      ? `new ${n.attempted}/${this.spec.probe.newConnections.perStep} (${n.failed} failed), canary ${percent(n.observedCanaryShare)} [${percent(n.interval[0])}, ${percent(n.interval[1])}]${split}`
      : 'new -';
    const broken = Object.entries(counters.ends).reduce((sum, [kind, count]) => (kind === 'drained' ? sum : sum + count), 0);
    return [
      `${step} ${state.phase}${left}  stable ${100 - this.canary}% ${weightBar(this.canary)} canary ${this.canary}%`,
      `long-lived ${counters.longLivedOpen}/${counters.longLivedWanted} open, ${counters.heartbeatsEchoed} echoed, ${counters.ends.drained} drained, ${broken} broken | ${newLine}`,
    ];
  }

  private draw(): void {
    if (!this.live) return;
    const lines = this.statusLines();
    if (lines.length === 0) return;
    this.clear();
    // A wrapped line would break the cursor-up count: cut each to the terminal's width.
    const width = Math.max(20, (this.out.columns ?? 200) - 1);
    this.out.write(`${lines.map((l) => `\x1b[2K${[...l].slice(0, width).join('')}`).join('\n')}\n`);
    this.drawn = lines.length;
  }

  private clear(): void {
    if (!this.live || this.drawn === 0) return;
    this.out.write(`\x1b[${this.drawn}F\x1b[J`);
    this.drawn = 0;
  }

  private elapsed(): string {
    return `[${((this.ctx.clock.now() - this.startedAt) / 1000).toFixed(1).padStart(5)}s]`;
  }
}
