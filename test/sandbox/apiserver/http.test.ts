// The emulator's HTTP surface, spoken raw over HTTPS (verifying its certificate): auth,
// /version, discovery (legacy and aggregated), OpenAPI v3, Tables, content negotiation, watch
// framing, request counting.
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, virtualService, type TestApiServer } from '../../support/apiserver-fixtures.js';

let env: TestApiServer;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

function call(method: string, path: string, options: { token?: string | null; accept?: string; contentType?: string; body?: unknown } = {}): Promise<Answer> {
  const url = new URL(path, env.server.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.token !== null) headers.Authorization = `Bearer ${options.token ?? env.server.token}`;
    if (options.accept) headers.Accept = options.accept;
    if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
    const req = request(url, { method, headers, ca: env.server.caPem }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T }));
    });
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  });
}

beforeAll(async () => {
  env = await startTestApiServer();
});
afterAll(async () => {
  await env.close();
});

describe('authentication', () => {
  it('serves /version and /healthz to anyone, everything else only with the bearer token', async () => {
    expect((await call('GET', '/version', { token: null })).json()).toMatchObject({ major: '1', minor: '32' });
    expect((await call('GET', '/healthz', { token: null })).body).toBe('ok');
    const denied = await call('GET', '/api/v1/namespaces', { token: 'nope' });
    expect(denied.status).toBe(401);
    expect(denied.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await call('GET', '/apis', { token: null })).status).toBe(401);
  });
});

describe('request size', () => {
  it('answers a body over 3 MiB with the API server\'s 413 Status, and the connection still serves', async () => {
    const path = '/apis/networking.istio.io/v1/namespaces/default/virtualservices';
    const big = JSON.stringify({ ...virtualService('huge'), padding: 'x'.repeat(3 * 1024 * 1024) });
    const answer = await call('POST', path, { body: big });
    expect(answer.status).toBe(413);
    expect(answer.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'RequestEntityTooLarge', code: 413, message: 'Request entity too large: limit is 3145728' });
    expect((await call('GET', `${path}/huge`)).status).toBe(404);
    expect((await call('POST', path, { body: virtualService('small') })).status).toBe(201);
    expect((await call('DELETE', `${path}/small`)).status).toBe(200);
  });
});

describe('discovery', () => {
  it('serves the legacy documents', async () => {
    expect((await call('GET', '/api')).json()).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await call('GET', '/apis')).json<{ groups: Array<{ name: string; preferredVersion: { version: string }; versions: Array<{ version: string }> }> }>().groups;
    const istio = groups.find((g) => g.name === 'networking.istio.io');
    expect(istio?.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1', 'v1alpha3']);
    expect(groups.find((g) => g.name === 'gateway.networking.k8s.io')?.preferredVersion.version).toBe('v1');
    const list = (await call('GET', '/apis/networking.istio.io/v1')).json<{ resources: Array<{ name: string; shortNames?: string[]; namespaced: boolean }> }>();
    expect(list.resources.map((r) => r.name).sort()).toEqual(['destinationrules', 'destinationrules/status', 'gateways', 'gateways/status', 'virtualservices', 'virtualservices/status']);
    expect(list.resources.find((r) => r.name === 'virtualservices')).toMatchObject({ namespaced: true, shortNames: ['vs'] });
    expect((await call('GET', '/apis/no.such.group/v1')).status).toBe(404);
  });

  it('serves aggregated discovery (apidiscovery.k8s.io/v2) when asked, as kubectl asks', async () => {
    const accept = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
    const r = await call('GET', '/apis', { accept });
    expect(r.headers['content-type']).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const doc = r.json<{ kind: string; items: Array<{ metadata: { name: string }; versions: Array<{ version: string; resources: Array<Record<string, unknown>> }> }> }>();
    expect(doc.kind).toBe('APIGroupDiscoveryList');
    const lease = doc.items.find((g) => g.metadata.name === 'coordination.k8s.io')?.versions[0]?.resources[0];
    expect(lease).toMatchObject({ resource: 'leases', scope: 'Namespaced', responseKind: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' } });
    const core = (await call('GET', '/api', { accept })).json<{ items: Array<{ metadata: { name: string } }> }>();
    expect(core.items.map((g) => g.metadata.name)).toEqual(['']);
  });

  it('serves OpenAPI v3 with the PATCH fieldValidation parameter kubectl checks, and CRD schemas', async () => {
    const root = (await call('GET', '/openapi/v3')).json<{ paths: Record<string, { serverRelativeURL: string }> }>();
    const url = root.paths['apis/networking.istio.io/v1']?.serverRelativeURL as string;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/networking\.istio\.io\/v1\?hash=[0-9a-f]+$/);
    const doc = (await call('GET', url)).json<{ paths: Record<string, { patch?: { parameters: Array<{ name: string }>; 'x-kubernetes-group-version-kind': unknown } }>; components: { schemas: Record<string, { properties?: object }> } }>();
    const patch = doc.paths['/apis/networking.istio.io/v1/namespaces/{namespace}/virtualservices/{name}']?.patch;
    expect(patch?.parameters.map((p) => p.name)).toContain('fieldValidation');
    expect(patch?.['x-kubernetes-group-version-kind']).toEqual({ group: 'networking.istio.io', version: 'v1', kind: 'VirtualService' });
    expect(doc.components.schemas['io.istio.networking.v1.VirtualService']?.properties).toHaveProperty('spec');
  });

  it('serves /openapi/v2 without definitions (kubectl validates Lists with it, skipping unknown kinds), as protobuf when asked', async () => {
    expect((await call('GET', '/openapi/v2')).json()).toMatchObject({ swagger: '2.0', definitions: {} });
    const proto = await call('GET', '/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    expect(proto.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    // field 1 (swagger), length 3, "2.0"
    expect(Buffer.from(proto.body, 'latin1')).toEqual(Buffer.from([0x0a, 3, 0x32, 0x2e, 0x30]));
  });
});

describe('content', () => {
  it('answers a Table with printer columns and PartialObjectMetadata rows when asked', async () => {
    env.server.objects.create(virtualService('tabled') as never);
    const r = await call('GET', '/apis/networking.istio.io/v1/namespaces/default/virtualservices', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json' });
    const table = r.json<{ kind: string; columnDefinitions: Array<{ name: string; type: string }>; rows: Array<{ cells: unknown[]; object: { kind: string; metadata: { name: string } } }> }>();
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c) => `${c.name}:${c.type}`)).toEqual(['Name:string', 'Gateways:string', 'Hosts:string', 'Age:date']);
    expect(table.rows[0]?.cells.slice(0, 3)).toEqual(['tabled', '["echo-gateway"]', '["*"]']);
    expect(table.rows[0]?.object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'tabled' } });
  });

  it('refuses protobuf-only clients (406), unknown bodies (415) and strategic merge patches on custom resources (415)', async () => {
    expect((await call('GET', '/api/v1/namespaces', { accept: 'application/vnd.kubernetes.protobuf' })).status).toBe(406);
    expect((await call('POST', '/api/v1/namespaces/default/configmaps', { contentType: 'text/plain', body: 'x' })).status).toBe(415);
    const smp = await call('PATCH', '/apis/networking.istio.io/v1/namespaces/default/virtualservices/tabled', { contentType: 'application/strategic-merge-patch+json', body: { spec: {} } });
    expect(smp.status).toBe(415);
  });

  it('accepts YAML bodies and warns about unknown fields (299), or refuses them with fieldValidation=Strict', async () => {
    const yaml = 'apiVersion: example.tcpshift.dev/v1\nkind: Widget\nmetadata: {name: yamlish}\nspec: {color: blue, typo: 1}\n';
    const warned = await call('POST', '/apis/example.tcpshift.dev/v1/namespaces/default/widgets', { contentType: 'application/yaml', body: yaml });
    expect(warned.status).toBe(201);
    expect(warned.headers.warning).toBe('299 - "unknown field \\"spec.typo\\""');
    const strict = await call('POST', '/apis/example.tcpshift.dev/v1/namespaces/default/widgets?fieldValidation=Strict', { contentType: 'application/yaml', body: yaml.replace('yamlish', 'strict') });
    expect(strict.status).toBe(400);
    expect(strict.json<{ message: string }>().message).toBe('Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.typo"');
  });

  it('says 404 the way the real server does for unknown paths and resources', async () => {
    const r = await call('GET', '/apis/networking.istio.io/v1/namespaces/default/nothings');
    expect(r.status).toBe(404);
    expect(r.json()).toMatchObject({ reason: 'NotFound', message: 'the server could not find the requested resource' });
  });
});

describe('watch framing and bookkeeping', () => {
  it('refuses a watch with a bad selector or resourceVersion with 400 before streaming', async () => {
    const bad = await call('GET', '/apis/networking.istio.io/v1/namespaces/default/virtualservices?watch=true&fieldSelector=spec.hosts%3Dx');
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ reason: 'BadRequest', message: 'field label not supported: spec.hosts' });
    expect((await call('GET', '/apis/networking.istio.io/v1/namespaces/default/virtualservices?watch=true&resourceVersion=abc')).status).toBe(400);
  });

  it('streams one JSON event per line and closes after timeoutSeconds', async () => {
    const rv = env.server.revision();
    env.server.objects.create(virtualService('streamed') as never);
    const started = Date.now();
    const r = await call('GET', `/apis/networking.istio.io/v1/namespaces/default/virtualservices?watch=true&resourceVersion=${rv}&timeoutSeconds=1`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(r.headers['transfer-encoding']).toBe('chunked');
    expect(r.body.trim().split('\n').map((l) => (JSON.parse(l) as { type: string; object: { metadata: { name: string } } })).map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED streamed']);
  });

  it('counts requests per verb and resource, and delete collections by selector', async () => {
    env.server.resetRequestCounts();
    for (const n of ['c1', 'c2', 'c3']) env.server.objects.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'default', labels: { batch: n === 'c3' ? 'b' : 'a' } } });
    const r = await call('DELETE', '/api/v1/namespaces/default/configmaps?labelSelector=batch%3Da');
    expect(r.json<{ items: Array<{ metadata: { name: string } }> }>().items.map((i) => i.metadata.name)).toEqual(['c1', 'c2']);
    await call('GET', '/api/v1/namespaces/default/configmaps');
    expect(env.server.requestCounts()).toEqual({ 'deletecollection configmaps': 1, 'list configmaps': 1 });
  });
});
