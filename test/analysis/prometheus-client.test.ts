import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PrometheusClient, PrometheusError } from '../../src/analysis/index.js';
import { systemClock } from '../../src/util/clock.js';
import { ManualClock } from '../../src/util/manual-clock.js';

// Answers in the shape prometheus/web/api/v1/api.go writes (status, data.resultType, data.result
// with [unix seconds, "value"] pairs; errors with errorType and error, HTTP 400/422/503).
interface Seen {
  method: string;
  path: string;
  form: URLSearchParams;
  headers: IncomingMessage['headers'];
}
type Answer = (res: ServerResponse) => void;

const json = (status: number, body: unknown): Answer => (res) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};
const vector = (...result: { metric: Record<string, string>; value: [number, string] }[]): Answer =>
  json(200, { status: 'success', data: { resultType: 'vector', result } });

let server: Server;
let base: string;
let answer: Answer;
let seen: Seen[];

beforeAll(async () => {
  server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', form: new URLSearchParams(text), headers: req.headers });
      answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
});

const client = (options: { address?: string; timeoutMs?: number; clock?: ManualClock } = {}): PrometheusClient =>
  new PrometheusClient({ address: options.address ?? base, timeoutMs: options.timeoutMs, clock: options.clock ?? systemClock });

async function failure(promise: Promise<unknown>): Promise<PrometheusError> {
  const err: unknown = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PrometheusError);
  return err as PrometheusError;
}

describe('PrometheusClient', () => {
  it('posts the query with its time, timeout and headers, under the address path, and reads the one value', async () => {
    answer = vector({ metric: { destination_version: 'v2' }, value: [1764931200.5, '0.25'] });
    const c = new PrometheusClient({ address: `${base}/prom/`, headers: { authorization: 'Bearer t' }, timeoutMs: 3000, clock: systemClock });
    const result = await c.queryValue('sum(rate(istio_tcp_connections_opened_total[1m]))', { at: 1764931200500 });
    expect(result).toEqual({ kind: 'value', value: 0.25, labels: { destination_version: 'v2' } });
    const [request] = seen;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/prom/api/v1/query');
    expect(request?.form.get('query')).toBe('sum(rate(istio_tcp_connections_opened_total[1m]))');
    expect(request?.form.get('time')).toBe('1764931200.500');
    expect(request?.form.get('timeout')).toBe('3000ms');
    expect(request?.headers.authorization).toBe('Bearer t');
  });

  it('returns every series of a vector with its labels and millisecond timestamps', async () => {
    answer = vector(
      { metric: { __name__: 'up', job: 'gateway' }, value: [1764931200, '1'] },
      { metric: { __name__: 'up', job: 'echo' }, value: [1764931200, '0'] },
    );
    const result = await client().query('up');
    expect(result.samples.map((s) => [s.labels.job, s.value, s.timestampMs])).toEqual([
      ['gateway', 1, 1764931200000],
      ['echo', 0, 1764931200000],
    ]);
  });

  it('reads a scalar, and +Inf / -Inf as infinities', async () => {
    answer = json(200, { status: 'success', data: { resultType: 'scalar', result: [1764931200, '+Inf'] } });
    expect(await client().queryValue('1/0')).toMatchObject({ kind: 'value', value: Number.POSITIVE_INFINITY });
    answer = vector({ metric: {}, value: [1764931200, '-Inf'] });
    expect(await client().queryValue('-1/0')).toMatchObject({ kind: 'value', value: Number.NEGATIVE_INFINITY });
  });

  it('calls an empty vector and a NaN value no data, saying which', async () => {
    answer = vector();
    expect(await client().queryValue('absent_metric')).toEqual({ kind: 'no-data', reason: 'no series matched' });
    answer = vector({ metric: {}, value: [1764931200, 'NaN'] });
    expect(await client().queryValue('0/0')).toEqual({ kind: 'no-data', reason: 'the value is NaN' });
  });

  it('refuses several series where one value is needed', async () => {
    answer = vector({ metric: { a: '1' }, value: [1, '1'] }, { metric: { a: '2' }, value: [1, '2'] });
    const err = await failure(client().queryValue('up'));
    expect(err.kind).toBe('execution');
    expect(err.message).toContain('2 series');
  });

  it('refuses a range vector result', async () => {
    answer = json(200, { status: 'success', data: { resultType: 'matrix', result: [] } });
    expect((await failure(client().query('up[1m]'))).kind).toBe('execution');
  });

  it('reports a syntax error as a bad query with Prometheus\'s own text', async () => {
    answer = json(400, { status: 'error', errorType: 'bad_data', error: 'invalid parameter "query": 1:5: parse error: unexpected end of input' });
    const err = await failure(client().query('sum('));
    expect(err.kind).toBe('bad-query');
    expect(err.errorType).toBe('bad_data');
    expect(err.message).toContain('parse error: unexpected end of input');
  });

  it('tells execution errors, server timeouts and non-API answers apart', async () => {
    answer = json(422, { status: 'error', errorType: 'execution', error: 'query processing would load too many samples' });
    expect((await failure(client().query('x'))).kind).toBe('execution');
    answer = json(503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
    expect((await failure(client().query('x'))).kind).toBe('timeout');
    answer = (res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
    const err = await failure(client().query('x'));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toContain('HTTP 502');
  });

  it('is unavailable when nothing listens at the address', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(client({ address: `http://127.0.0.1:${port}` }).query('up'));
    expect(err.kind).toBe('unavailable');
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });

  it('gives up at its timeout on the injected clock when Prometheus never answers', async () => {
    answer = () => undefined;
    const clock = new ManualClock();
    let settled = false;
    const pending = failure(client({ clock, timeoutMs: 5000 }).query('up')).finally(() => (settled = true));
    await expect.poll(() => seen.length).toBe(1);
    await clock.advance(4999);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(settled).toBe(false);
    await clock.advance(1);
    const err = await pending;
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('5000 ms');
  });

  it('passes the caller\'s abort through unchanged', async () => {
    answer = () => undefined;
    const abort = new AbortController();
    const pending = client().query('up', { signal: abort.signal }).catch((e: unknown) => e);
    await expect.poll(() => seen.length).toBe(1);
    abort.abort(new Error('shift aborted'));
    const err = await pending;
    expect(err).not.toBeInstanceOf(PrometheusError);
  });

  it('refuses an address that is not an http(s) URL', () => {
    expect(() => client({ address: 'prometheus:9090' })).toThrow(/http/);
    expect(() => client({ address: 'not a url' })).toThrow(/not a URL/);
  });
});
