import type { EndedConnection, NewConnectionsBlock } from '../probe/index.js';
import type { Decision, PortCounters, ProbeCounters, ShiftObserver, ShiftProber, ShiftState, WeightPurpose } from '../shift/index.js';
import type { ResolvedSpec } from '../spec/resolved-shift.js';
import type { TimerHandle } from '../util/clock.js';
import { formatDuration } from '../util/duration.js';
import type { CliContext } from './io.js';
import { metricsLine } from './metrics-line.js';
import { EndSummary } from './end-summary.js';
import { liveViewLines, type LiveViewFields } from './live-view.js';

/** What the live view reads of the counters: a prober's, or the totals a shift published (status -w). */
export type LiveCounters = Omit<ProbeCounters, 'newConnections'> & {
  newConnections: (Pick<NewConnectionsBlock, 'attempted' | 'failed' | 'observedCanaryShare' | 'interval'> & { split?: { decision: string } }) | undefined;
};

/** What the live view draws from: a running shift's prober (with its metric checks), or the counters `status -w` reads off a route or a TCPShift's status. */
export type ProgressSource = { counters(): LiveCounters } & Pick<ShiftProber, 'onEnd'> & Partial<Pick<ShiftProber, 'status'>>;

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export { weightBar } from './live-view.js';

function percent(share: number | null): string {
  return share === null ? '-' : `${Number((share * 100).toFixed(1))}%`;
}

/** One match port's counters under the live view (a multi-port shift, target.matchPorts). */
function portLine(c: PortCounters): string {
  const broken = Object.entries(c.ends).reduce((sum, [kind, count]) => (kind === 'drained' ? sum : sum + count), 0);
  const n = c.newConnections;
  const sampled = n ? `; new ${n.attempted} tried, ${n.failed} failed, canary ${percent(n.observedCanaryShare)}` : '';
  return `port ${c.matchPort}: long-lived ${c.longLivedOpen}/${c.longLivedWanted} open, ${c.ends.drained} drained, ${broken} broken${sampled}`;
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
  private readonly ends: EndSummary;
  private readonly held: EndedConnection[] = [];
  private reasonShown: string | undefined;

  constructor(
    private readonly out: Out,
    private readonly ctx: CliContext,
    private readonly spec: ResolvedSpec,
    /** The shift, to name it in what to type (`tcpshift promote NAME -n NS` at a gate). */
    private readonly ref?: { name: string; namespace: string },
  ) {
    this.live = out.isTTY === true;
    this.startedAt = ctx.clock.now();
    this.ends = new EndSummary(ctx.clock, (text) => this.line(`${this.elapsed()} ${text.includes(': refused') ? '' : '! '}long-lived ${text}`));
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
    const reason = decision.state.rollback?.reason;
    for (const event of decision.events) {
      // A breach's reason is printed once in full; the rollback's lines after it refer to it.
      const repeated = reason !== undefined && this.reasonShown === reason && event.message.includes(reason);
      if (reason !== undefined && event.message.includes(reason)) this.reasonShown = reason;
      const message = this.ref ? event.message.replace('tcpshift promote NAME', `tcpshift promote ${this.ref.name} -n ${this.ref.namespace}`) : event.message;
      this.line(`${this.elapsed()} ${event.warning ? '! ' : ''}${repeated ? message.replace(reason, 'see above') : message}`);
    }
    if (decision.state.phase !== 'pending') this.releaseHeldEnds();
  }

  /** Ends seen while pending come after the pre-flight's conclusion (the event that ends it), summarised. */
  private releaseHeldEnds(): void {
    if (this.held.length === 0) return;
    for (const end of this.held.splice(0)) this.ends.add(end);
    this.ends.flush();
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

  /** Print a line above the live view, after the time since the start (a webhook's answer). */
  stamped(text: string): void {
    this.line(`${this.elapsed()} ${text}`);
  }

  /** Print a line above the live view. */
  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.draw();
  }

  finish(): void {
    this.releaseHeldEnds();
    this.ends.flush();
    this.timer?.cancel();
    this.timer = undefined;
    this.clear();
  }

  private ended(end: EndedConnection): void {
    if (end.end === 'drained') return; // counted in the status; a wave of them would flood the log
    if (this.state?.phase === 'pending') this.held.push(end);
    else this.ends.add(end);
  }

  private schedule(): void {
    this.timer = this.ctx.clock.setTimer(
      () => {
        if (this.live) this.draw();
        else this.printStatus();
        this.schedule();
      },
      this.live ? 250 : 5000,
    );
  }

  /** Without a terminal, the status line now rather than at the next 5 s tick (what a watcher prints when it first finds the shift). */
  printStatus(): void {
    if (!this.live) this.out.write(`${this.elapsed()} ${this.statusLines().join(' | ')}\n`);
  }

  /** The live view's lines, fitted to the terminal's width (live) or in full (plain lines). */
  statusLines(): string[] {
    const fields = this.liveFields();
    if (!fields) return [];
    const metrics = this.state && this.prober && metricsLine(this.spec, this.state, this.prober.status?.().metrics);
    const columns = this.live ? (this.out.columns ?? 200) : Infinity;
    const ports = (this.prober?.counters().ports ?? []).map((c) => portLine(c).slice(0, columns));
    return [...liveViewLines(fields, columns), ...ports, ...(metrics ? [metrics] : [])];
  }

  private liveFields(): LiveViewFields | undefined {
    const state = this.state;
    const counters = this.prober?.counters();
    if (!state || !counters) return undefined;
    const steps = this.spec.schedule.steps;
    const n = counters.newConnections;
    const broken = Object.entries(counters.ends).reduce((sum, [kind, count]) => (kind === 'drained' ? sum : sum + count), 0);
    return {
      step: state.stepIndex < 0 ? 'starting' : `step ${state.stepIndex + 1}/${steps.length}`,
      phase: state.phase,
      ...this.timeLeft(state),
      canary: this.canary,
      longLived: { open: counters.longLivedOpen, wanted: counters.longLivedWanted, echoed: counters.heartbeatsEchoed, drained: counters.ends.drained, broken },
      ...(n
        ? {
            newConnections: {
              attempted: n.attempted,
              perStep: this.spec.probe.newConnections.perStep,
              failed: n.failed,
              share: percent(n.observedCanaryShare),
              interval: `[${percent(n.interval[0])}, ${percent(n.interval[1])}]`,
              ...(n.split ? { split: n.split.decision === 'undecided' && state.phase === 'baking' ? 'testing' : n.split.decision } : {}),
            },
          }
        : {}),
    };
  }

  /** The bake's time left, or at a gate what holds the shift (a timed gate's time left). */
  private timeLeft(state: ShiftState): Pick<LiveViewFields, 'bakeLeft'> {
    const left = (until: number): string => formatDuration(Math.max(0, Math.round((until - this.ctx.clock.now()) / 100) * 100));
    if (state.phase === 'baking' && state.bakeUntil !== undefined) return { bakeLeft: `bake ${left(state.bakeUntil)} left` };
    const gate = state.phase === 'waiting' ? state.gate : undefined;
    if (!gate) return {};
    return { bakeLeft: gate.kind !== 'pause' ? `gate: ${gate.kind} hooks` : gate.until === undefined ? 'gate: promote to go on' : `gate ${left(gate.until)} left` };
  }

  private draw(): void {
    if (!this.live) return;
    const lines = this.statusLines();
    if (lines.length === 0) return;
    this.clear();
    // Fitted to the terminal's width (liveViewLines): a wrapped line would break the cursor-up count.
    this.out.write(`${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
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
