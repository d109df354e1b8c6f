/**
 * Operator requests for a running shift, from two places: the route's `tcpshift.io/request`
 * annotation (another terminal's `abort`/`rollback`/`pause`/`promote`, or kubectl annotate) and this process's
 * interrupt (Ctrl-C: abort, or pause with --on-interrupt pause). The first one seen sticks.
 */
import { readRequest } from './annotations.js';
import type { OperatorAction, OperatorRequest } from './decide.js';
import type { RequestSource } from './runner.js';

const STRENGTH: Readonly<Record<OperatorRequest['action'], number>> = { retry: 0, promote: 0, 'promote-full': 1, pause: 2, abort: 3, rollback: 3 };
const strength = (request: OperatorRequest): number => STRENGTH[request.action];

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
    // A promote gives way to any later request; a pause to an abort or rollback; an abort or rollback never.
    if (this.request && strength(this.request) >= strength(request) && !(this.request.action === 'promote' && request.action === 'promote')) return;
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
