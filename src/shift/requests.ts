/**
 * Operator requests for a running shift, from two places: the route's `tcpshift.io/request`
 * annotation (another terminal's `abort`/`rollback`, or kubectl annotate) and this process's
 * interrupt (Ctrl-C: abort, or pause with --on-interrupt pause). The first one seen sticks.
 */
import { readRequest } from './annotations.js';
import type { OperatorAction, OperatorRequest } from './decide.js';
import type { RequestSource } from './runner.js';

export class RequestTracker implements RequestSource {
  private request: OperatorRequest | undefined;
  private readonly listeners = new Set<() => void>();

  /** Turn the interrupt signal into a request (`abort` or `pause`). */
  constructor(interrupts?: AbortSignal, onInterrupt: Extract<OperatorAction, 'abort' | 'pause'> = 'abort') {
    if (!interrupts) return;
    const fire = (): void => {
      const reason = interrupts.reason instanceof Error ? interrupts.reason.message : 'interrupted';
      this.set({ action: onInterrupt, by: reason.replace(/^interrupted by /, 'interrupt (') + (reason.startsWith('interrupted by ') ? ')' : '') });
    };
    if (interrupts.aborted) fire();
    else interrupts.addEventListener('abort', fire, { once: true });
  }

  /** A new version of the route's annotations. */
  fromAnnotations(annotations: Readonly<Record<string, string>>): void {
    const request = readRequest(annotations);
    if (request) this.set(request);
  }

  set(request: OperatorRequest): void {
    // A pause may be upgraded to an abort or rollback; never the other way round.
    if (this.request && (this.request.action !== 'pause' || request.action === 'pause')) return;
    this.request = request;
    for (const listener of this.listeners) listener();
  }

  current(): OperatorRequest | undefined {
    return this.request;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
