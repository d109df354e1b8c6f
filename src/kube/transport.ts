import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import type {
  KubeConfig} from '@kubernetes/client-node';
import {
  ApiException,
  createConfiguration,
  HttpMethod,
  KubernetesObjectApi,
  Observable,
  ServerConfiguration,
  Watch,
  type Configuration,
  type KubernetesObject,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { Clock } from '../util/clock.js';
import { errorFromNetwork, errorFromStatus, KubeError, RetryableError } from './errors.js';

/**
 * HTTP to the API server through @kubernetes/client-node: its KubeConfig (contexts, CA, tokens,
 * exec/OIDC auth, in-cluster), its request pipeline (KubernetesObjectApi's requestPromise, so
 * any verb on any path with any patch content type, which the generated per-kind APIs do not
 * allow uniformly) and its Watch. Answers stay plain JSON. One keep-alive HTTPS agent is shared
 * (client-node would open a new TLS connection per request).
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Query = Record<string, string | number | boolean | undefined>;

export interface HttpRequest {
  method: Method;
  path: string;
  query?: Query;
  body?: unknown;
  contentType?: string;
}

export interface WatchHandle {
  stop(): void;
}

export interface KubeTransport {
  /** The namespace of the kubeconfig context (or of the pod, in-cluster). */
  readonly defaultNamespace: string;
  request<T>(req: HttpRequest): Promise<T>;
  /** Stream watch events; `onDone` once, with the error when the stream failed (not after stop()). */
  watch(path: string, query: Query, onEvent: (type: string, object: unknown) => void, onDone: (error?: KubeError) => void): Promise<WatchHandle>;
}

class RawRequestApi extends KubernetesObjectApi {
  async send(req: HttpRequest): Promise<unknown> {
    const ctx = this.configuration.baseServer.makeRequestContext(req.path, HttpMethod[req.method]);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) ctx.setQueryParam(k, String(v));
    ctx.setHeaderParam('Accept', 'application/json');
    if (req.body !== undefined) {
      ctx.setHeaderParam('Content-Type', req.contentType ?? 'application/json');
      ctx.setBody(JSON.stringify(req.body));
    }
    return this.requestPromise(ctx, 'any');
  }

  /** Plain JSON out (client-node would turn objects into model classes with Date fields). */
  protected override async processResponse<T extends KubernetesObject>(response: ResponseContext): Promise<T> {
    const text = await response.body.text();
    const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) throw errorFromStatus(response.httpStatusCode, parsedBody(text), headers);
    return (text ? JSON.parse(text) : {}) as T;
  }
}

function headersOf(e: ApiException<unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(e.headers).map(([k, v]) => [k.toLowerCase(), v]));
}

function parsedBody(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

export function mapClientError(error: unknown): KubeError {
  if (error instanceof ApiException) return errorFromStatus(error.code, parsedBody(error.body), headersOf(error as ApiException<unknown>));
  const withStatus = error as { statusCode?: unknown; message?: unknown } | undefined;
  if (typeof withStatus?.statusCode === 'number') return errorFromStatus(withStatus.statusCode, { message: withStatus.message });
  return errorFromNetwork(error);
}

export interface TransportOptions {
  clock: Clock;
  /** Per-request deadline; the request is abandoned (RetryableError) after it. Default 30 s. */
  requestTimeoutMs?: number;
}

export class ClientNodeTransport implements KubeTransport {
  readonly defaultNamespace: string;
  private readonly api: RawRequestApi;
  private agent: HttpsAgent | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly options: TransportOptions,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw new KubeError('kubeconfig has no current cluster', 0);
    this.defaultNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    const config: Configuration = createConfiguration({
      baseServer: new ServerConfiguration<Record<string, string>>(cluster.server, {}),
      authMethods: { default: kc },
      middleware: cluster.proxyUrl ? [] : [{ pre: (ctx) => new Observable(this.withSharedAgent(ctx)), post: (rsp) => new Observable(Promise.resolve(rsp)) }],
    });
    this.api = new RawRequestApi(config);
  }

  private async withSharedAgent(ctx: RequestContext): Promise<RequestContext> {
    if (!this.agent) {
      const opts: RequestOptions = {};
      await this.kc.applyToHTTPSOptions(opts);
      const base = opts.agent instanceof HttpsAgent ? opts.agent.options : {};
      this.agent = new HttpsAgent({ ...base, keepAlive: true, maxSockets: 32 });
    }
    if (ctx.getUrl().startsWith('https:')) ctx.setAgent(this.agent);
    return ctx;
  }

  async request<T>(req: HttpRequest): Promise<T> {
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    let timer: { cancel(): void } | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = this.options.clock.setTimer(() => reject(new RetryableError(`${req.method} ${req.path}: no answer within ${timeoutMs} ms`, 0, 'Timeout')), timeoutMs);
    });
    try {
      return (await Promise.race([this.api.send(req), deadline])) as T;
    } catch (e) {
      throw e instanceof KubeError ? e : mapClientError(e);
    } finally {
      timer?.cancel();
    }
  }

  async watch(path: string, query: Query, onEvent: (type: string, object: unknown) => void, onDone: (error?: KubeError) => void): Promise<WatchHandle> {
    let stopped = false;
    const controller = await new Watch(this.kc).watch(
      path,
      query,
      (type, object) => {
        if (!stopped) onEvent(type, object);
      },
      (err: unknown) => {
        if (stopped) return;
        stopped = true;
        onDone(err ? mapClientError(err) : undefined);
      },
    ).catch((e: unknown) => {
      throw mapClientError(e);
    });
    return {
      stop: () => {
        stopped = true;
        controller.abort();
      },
    };
  }

  /** Close idle keep-alive connections (call when done with the client). */
  close(): void {
    this.agent?.destroy();
  }
}
