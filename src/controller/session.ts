/**
 * What the leading controller keeps in memory for one TCPShift it runs: the spec the state runs
 * (and the new one a spec change asks for), the state as last persisted in .status, the route as
 * last read or written (with when this process changed its weight), the object its last write
 * returned (fresher than the informer's cache for a moment), and the shift's prober. The status
 * is the truth: a session is rebuilt from it after a restart or a failover.
 */
import type { TCPShift } from '../kube/index.js';
import type { RouteSnapshot, TrafficRouter } from '../router/index.js';
import type { ShiftProber, ShiftState } from '../shift/index.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import type { TCPShiftResource } from '../spec/tcpshift-schema.js';
import type { Logger } from '../util/logger.js';
import type { DesiredCondition, Problem } from './conditions.js';
import type { ObjectKey } from './keys.js';
import type { SessionHooks } from './shift-hooks.js';

/** A spec the engine runs: resolved, as stored, its identity (runKey) and its route. */
export interface RunSpec {
  shift: ResolvedShift;
  resource: TCPShiftResource;
  key: string;
  router: TrafficRouter;
}

export interface ProberHooks {
  create(run: RunSpec): ShiftProber;
  /** Subscribe to what the prober pushes; returns the unsubscribe. */
  attach(prober: ShiftProber): () => void;
}

const PROBING_PHASES: ReadonlySet<ShiftState['phase']> = new Set(['pending', 'stepping', 'baking', 'waiting']);

export class ShiftSession {
  /** The spec a spec change asks for, once the current run is back on stable. */
  next: RunSpec | undefined;
  /** The state when that spec change was seen (for the Restarted condition's message). */
  nextSeenAt: ShiftState | undefined;
  /** The route as last read or written by this process. */
  route: RouteSnapshot | undefined;
  /** When this process's last weight write moved the weights (for the drain window). */
  weightChangedAt: number | undefined;
  /** The object returned by this process's last write. */
  written: TCPShift | undefined;
  /** stableJson of the status.engine this process last wrote or adopted. */
  persistedKey: string;
  lastStatusAt = 0;
  /** Found this reconcile: the route missing, not shiftable, held by a CLI shift. */
  problem: Problem | undefined;
  /** A condition to record with the next status write (Restarted after a spec change). */
  pendingCondition: DesiredCondition | undefined;
  /** The probe address checked against --probe-allow this reconcile, and the IP to connect to. */
  admittedProbe: { address: string; host: string } | undefined;
  /** spec.webhooks of the run: the HookPort and a signing key that could not be read (./shift-hooks.ts). */
  hooks: SessionHooks | undefined;
  private prober: ShiftProber | undefined;
  private detach: (() => void) | undefined;

  constructor(
    readonly id: ObjectKey & { key: string; uid: string },
    public run: RunSpec,
    /** The state as last persisted (or adopted from the status). */
    public state: ShiftState,
    persistedKey: string,
    readonly logger: Logger,
  ) {
    this.persistedKey = persistedKey;
  }

  /** The prober, created (and started) when the state probes and there is none. */
  proberFor(state: ShiftState, hooks: ProberHooks): ShiftProber | undefined {
    if (this.prober || !PROBING_PHASES.has(state.phase)) return this.prober;
    const prober = hooks.create(this.run);
    this.prober = prober;
    this.detach = hooks.attach(prober);
    prober.start().catch((error: unknown) => this.logger.error('probes failed to start', { error: error instanceof Error ? error.message : String(error) }));
    return prober;
  }

  /** The prober if there is one (never creates). */
  currentProber(): ShiftProber | undefined {
    return this.prober;
  }

  /** Stop the prober unless the state still probes. */
  async settleProber(state: ShiftState): Promise<void> {
    if (!PROBING_PHASES.has(state.phase)) await this.stopProber();
  }

  /** Give the event deliveries under way a moment, then end them (the shift ended or was forgotten). */
  async closeHooks(graceMs: number): Promise<void> {
    const hooks = this.hooks;
    this.hooks = undefined;
    await hooks?.port.close(graceMs);
  }

  async stopProber(): Promise<void> {
    const prober = this.prober;
    this.prober = undefined;
    this.detach?.();
    this.detach = undefined;
    await prober?.stop();
  }
}
