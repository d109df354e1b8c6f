import { randomBytes } from 'node:crypto';
import { writePrivateFile } from '../../util/private-file.js';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { ApiCore } from './api-core.js';
import { builtinResources } from './builtin-resources.js';
import { CRD_GROUP } from './crd-resources.js';
import { enableCustomResources } from './crd-lifecycle.js';
import { enableIstioValidation } from './istio-webhook.js';
import { Faults } from './faults.js';
import { requestListener } from './http-routes.js';
import type { RequestRecord } from './resource-handler.js';
import { InProcessClient } from './in-process-client.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { OpenApiDocs } from './openapi.js';
import { createSelfSignedCert } from './self-signed-cert.js';

/**
 * The Kubernetes API emulator: HTTPS on loopback with a self-signed certificate (client-go does
 * not send bearer tokens over plain HTTP), one bearer token, a kubeconfig for itself. Real
 * kubectl and @kubernetes/client-node work against it unchanged.
 */
export interface ApiServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Bearer token clients must send; random when omitted. */
  token?: string;
  /** Watch events kept per resource; older resourceVersions answer 410 Gone. Default 10,000. */
  historyLimit?: number;
  /** Namespaces created at start. Default: default, kube-system, kube-public, kube-node-lease. */
  namespaces?: string[];
  /** Interval of watch BOOKMARK events (allowWatchBookmarks=true). Default 60 s, as the real server. */
  bookmarkIntervalMs?: number;
  /** Watch duration when the client gives no timeoutSeconds. Default 1800 s. */
  watchTimeoutSeconds?: number;
  /** Enforce istiod's webhook rules on DestinationRules (istio-webhook.ts), as a cluster running istiod does. Default true. */
  istioWebhook?: boolean;
  clock?: Clock;
  logger?: Logger;
  /** Random source of fault injection (error rates). */
  random?: () => number;
}

export interface KubeconfigOptions {
  context?: string;
  namespace?: string;
}

export interface ApiServer {
  /** https://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** PEM of the server certificate (its own CA). */
  readonly caPem: string;
  readonly faults: Faults;
  /** Direct, in-process access to the stored objects (same semantics as the HTTP API). */
  readonly objects: InProcessClient;
  kubeconfig(options?: KubeconfigOptions): string;
  writeKubeconfig(path: string, options?: KubeconfigOptions): Promise<void>;
  /** Install (create or update) every CustomResourceDefinition in a YAML text; returns their names. */
  installCrds(yamlText: string): string[];
  /** Current global resourceVersion. */
  revision(): number;
  /** Watch streams open now. */
  watchCount(): number;
  /** Requests handled, per `verb resource` (e.g. `patch virtualservices`). */
  requestCounts(): Record<string, number>;
  /** Every resource request handled since the last reset, oldest first (verb, group, resource, subresource, namespace, name). */
  requestLog(): RequestRecord[];
  /** Clears the counts and the log. */
  resetRequestCounts(): void;
  close(): Promise<void>;
}

/** The request log keeps the most recent requests only (a long-running sandbox must not grow without bound). */
const REQUEST_LOG_LIMIT = 200_000;

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

class EmulatorServer implements ApiServer {
  readonly url: string;
  readonly port: number;
  private readonly counts = new Map<string, number>();
  private readonly log: RequestRecord[] = [];

  constructor(
    private readonly server: Server,
    private readonly core: ApiCore,
    readonly token: string,
    readonly caPem: string,
    readonly faults: Faults,
    readonly objects: InProcessClient,
  ) {
    this.port = (server.address() as AddressInfo).port;
    this.url = `https://127.0.0.1:${this.port}`;
  }

  count(verb: string, resource: string, request?: RequestRecord): void {
    const key = `${verb} ${resource}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (!request) return;
    this.log.push(request);
    if (this.log.length > REQUEST_LOG_LIMIT) this.log.splice(0, REQUEST_LOG_LIMIT / 10);
  }

  kubeconfig(options: KubeconfigOptions = {}): string {
    return kubeconfigYaml({ server: this.url, caPem: this.caPem, token: this.token, ...options });
  }

  async writeKubeconfig(path: string, options: KubeconfigOptions = {}): Promise<void> {
    await writePrivateFile(path, this.kubeconfig(options));
  }

  installCrds(yamlText: string): string[] {
    return this.objects
      .applyYaml(yamlText)
      .filter((o) => o.kind === 'CustomResourceDefinition' && o.apiVersion === `${CRD_GROUP}/v1`)
      .map((o) => o.metadata.name ?? '');
  }

  revision(): number {
    return this.core.store.revision();
  }

  watchCount(): number {
    return this.core.sessions.size;
  }

  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  requestLog(): RequestRecord[] {
    return [...this.log];
  }

  resetRequestCounts(): void {
    this.counts.clear();
    this.log.length = 0;
  }

  close(): Promise<void> {
    this.core.closeWatches();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

function seedNamespaces(objects: InProcessClient, names: string[]): void {
  for (const name of names) objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

/** The API semantics without the HTTP listener: built-in kinds, CRD support, seeded namespaces. */
export function createApiCore(options: Omit<ApiServerOptions, 'port' | 'host' | 'token' | 'logger' | 'random'> = {}): { core: ApiCore; objects: InProcessClient } {
  const clock = options.clock ?? systemClock;
  const core = new ApiCore({
    clock,
    historyLimit: options.historyLimit ?? 10_000,
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    watchTimeoutSeconds: options.watchTimeoutSeconds ?? 1800,
    maxWatchBacklogBytes: 64 * 1024 * 1024,
  });
  for (const def of builtinResources()) core.registry.define(def);
  enableCustomResources(core, clock);
  if (options.istioWebhook !== false) enableIstioValidation(core);
  const objects = new InProcessClient(core);
  seedNamespaces(objects, options.namespaces ?? DEFAULT_NAMESPACES);
  return { core, objects };
}

export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const clock = options.clock ?? systemClock;
  const { core, objects } = createApiCore(options);

  const faults = new Faults(
    {
      cutAll: () => {
        const n = core.sessions.size;
        core.closeWatches(undefined, true);
        return n;
      },
      cutAfter: (events) => {
        core.watchEventBudget = events;
        for (const s of core.sessions) s.eventBudget = events;
      },
    },
    options.random,
  );
  const cert = createSelfSignedCert();
  const token = options.token ?? randomBytes(24).toString('hex');
  const ref: { emulator?: EmulatorServer } = {};
  const server = createServer({ key: cert.keyPem, cert: cert.certPem, keepAliveTimeout: 30_000 });
  server.on(
    'request',
    requestListener({
      core,
      faults,
      clock,
      token,
      logger: options.logger ?? silentLogger,
      serverAddress: () => `127.0.0.1:${ref.emulator?.port ?? 0}`,
      openapi: new OpenApiDocs(core.registry),
      count: (verb, resource, request) => ref.emulator?.count(verb, resource, request),
    }),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  ref.emulator = new EmulatorServer(server, core, token, cert.certPem, faults, objects);
  return ref.emulator;
}
