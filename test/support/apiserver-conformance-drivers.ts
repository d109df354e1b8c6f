// The two independent clients the conformance suite runs through: src/kube over
// @kubernetes/client-node, and the real kubectl binary. Both answer with the same Outcome shape
// so one scenario checks both.
import type { KubeClient} from '../../src/kube/index.js';
import { KubeError, type Kind, type KubeObject } from '../../src/kube/index.js';
import { kubectl, statusOfKubectlError, type KubectlTarget } from './kube-kubectl.js';

export type Obj = KubeObject & Record<string, unknown>;

export type Outcome<T = Obj> = { ok: true; value: T } | { ok: false; status: number | undefined; message: string };

export interface WatchedEvent {
  type: string;
  object: Obj;
}

export interface ConformanceDriver {
  readonly name: string;
  create(kind: Kind<Obj>, object: Obj): Promise<Outcome>;
  get(kind: Kind<Obj>, name: string, namespace?: string): Promise<Outcome>;
  list(kind: Kind<Obj>, namespace: string | undefined, selectors?: { labelSelector?: string; fieldSelector?: string }): Promise<Outcome<{ metadata: { resourceVersion?: string }; items: Obj[] }>>;
  replace(kind: Kind<Obj>, object: Obj, status?: boolean): Promise<Outcome>;
  patch(kind: Kind<Obj>, name: string, namespace: string | undefined, type: 'json' | 'merge', body: unknown, status?: boolean): Promise<Outcome>;
  delete(kind: Kind<Obj>, name: string, namespace?: string): Promise<Outcome<unknown>>;
  /** Watch from a resourceVersion until the server ends the stream after timeoutSeconds. */
  watchFrom(kind: Kind<Obj>, namespace: string, resourceVersion: string, timeoutSeconds: number): Promise<WatchedEvent[]>;
}

export function kindOf(group: string, version: string, plural: string, kind: string, namespaced = true): Kind<Obj> {
  return { group, version, plural, kind, namespaced, status: true };
}

function failed(e: unknown): Outcome<never> {
  if (e instanceof KubeError) return { ok: false, status: e.status, message: e.message };
  return { ok: false, status: undefined, message: String(e) };
}

async function outcome<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (e) {
    return failed(e);
  }
}

export class ClientNodeDriver implements ConformanceDriver {
  readonly name = 'client-node';
  constructor(readonly client: KubeClient) {}

  create(kind: Kind<Obj>, object: Obj): Promise<Outcome> {
    return outcome(() => this.client.resource(kind).create(object));
  }
  get(kind: Kind<Obj>, name: string, namespace?: string): Promise<Outcome> {
    return outcome(() => this.client.resource(kind).get(name, namespace));
  }
  list(kind: Kind<Obj>, namespace: string | undefined, selectors: { labelSelector?: string; fieldSelector?: string } = {}): Promise<Outcome<{ metadata: { resourceVersion?: string }; items: Obj[] }>> {
    return outcome(() => this.client.resource(kind).list({ namespace, ...selectors }));
  }
  replace(kind: Kind<Obj>, object: Obj, status = false): Promise<Outcome> {
    const r = this.client.resource(kind);
    return outcome(() => (status ? r.replaceStatus(object) : r.replace(object)));
  }
  patch(kind: Kind<Obj>, name: string, namespace: string | undefined, type: 'json' | 'merge', body: unknown, status = false): Promise<Outcome> {
    const patch = type === 'json' ? { type, ops: body as never } : { type, body: body as Record<string, unknown> };
    return outcome(() => this.client.resource(kind).patch(name, namespace, patch, { status }));
  }
  delete(kind: Kind<Obj>, name: string, namespace?: string): Promise<Outcome<unknown>> {
    return outcome(() => this.client.resource(kind).delete(name, namespace));
  }
  watchFrom(kind: Kind<Obj>, namespace: string, resourceVersion: string, timeoutSeconds: number): Promise<WatchedEvent[]> {
    const events: WatchedEvent[] = [];
    return new Promise((resolve, reject) => {
      this.client
        .resource(kind)
        .watch(
          { namespace, resourceVersion, timeoutSeconds },
          (e) => events.push(e),
          (error) => {
            if (error?.status === 410) events.push({ type: 'ERROR', object: { metadata: {}, code: 410, message: error.message } });
            resolve(events);
          },
        )
        .catch(reject);
    });
  }
}

function resourceArg(kind: Kind<Obj>): string {
  return kind.group ? `${kind.plural}.${kind.group}` : kind.plural;
}

function nsArgs(namespace: string | undefined): string[] {
  return namespace ? ['-n', namespace] : [];
}

export class KubectlDriver implements ConformanceDriver {
  readonly name = 'kubectl';
  constructor(private readonly target: KubectlTarget) {}

  private async run<T>(args: string[], input?: string): Promise<Outcome<T>> {
    const r = await kubectl(this.target, args, input !== undefined ? { input } : {});
    if (r.code !== 0) return { ok: false, status: statusOfKubectlError(r.stderr), message: r.stderr.trim() };
    return { ok: true, value: (r.stdout.trim() ? JSON.parse(r.stdout) : {}) as T };
  }

  create(_kind: Kind<Obj>, object: Obj): Promise<Outcome> {
    return this.run(['create', '-f', '-', '-o', 'json'], JSON.stringify(object));
  }
  get(kind: Kind<Obj>, name: string, namespace?: string): Promise<Outcome> {
    return this.run(['get', resourceArg(kind), name, ...nsArgs(namespace), '-o', 'json']);
  }
  list(kind: Kind<Obj>, namespace: string | undefined, selectors: { labelSelector?: string; fieldSelector?: string } = {}): Promise<Outcome<{ metadata: { resourceVersion?: string }; items: Obj[] }>> {
    const sel = [...(selectors.labelSelector ? ['-l', selectors.labelSelector] : []), ...(selectors.fieldSelector ? ['--field-selector', selectors.fieldSelector] : [])];
    return this.run(['get', resourceArg(kind), ...nsArgs(namespace), ...sel, '-o', 'json']);
  }
  replace(_kind: Kind<Obj>, object: Obj, status = false): Promise<Outcome> {
    return this.run(['replace', ...(status ? ['--subresource=status'] : []), '-f', '-', '-o', 'json'], JSON.stringify(object));
  }
  patch(kind: Kind<Obj>, name: string, namespace: string | undefined, type: 'json' | 'merge', body: unknown, status = false): Promise<Outcome> {
    return this.run(['patch', resourceArg(kind), name, ...nsArgs(namespace), '--type', type, '-p', JSON.stringify(body), ...(status ? ['--subresource=status'] : []), '-o', 'json']);
  }
  async delete(kind: Kind<Obj>, name: string, namespace?: string): Promise<Outcome<unknown>> {
    const r = await kubectl(this.target, ['delete', resourceArg(kind), name, ...nsArgs(namespace), '--wait=false']);
    return r.code === 0 ? { ok: true, value: r.stdout } : { ok: false, status: statusOfKubectlError(r.stderr), message: r.stderr.trim() };
  }
  async watchFrom(kind: Kind<Obj>, namespace: string, resourceVersion: string, timeoutSeconds: number): Promise<WatchedEvent[]> {
    const base = kind.group ? `/apis/${kind.group}/${kind.version}` : `/api/${kind.version}`;
    const url = `${base}/namespaces/${namespace}/${kind.plural}?watch=1&resourceVersion=${resourceVersion}&timeoutSeconds=${timeoutSeconds}`;
    const r = await kubectl(this.target, ['get', '--raw', url], { timeoutMs: (timeoutSeconds + 20) * 1000 });
    if (r.code !== 0) throw new Error(`kubectl get --raw failed: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as WatchedEvent);
  }
}
