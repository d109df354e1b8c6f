import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { execBin, runTcpshift } from '../support/cli.js';

function kindsAndWeights(objects: unknown[]): unknown[] {
  return objects.map((o) => {
    const obj = o as { kind: string; spec: { tcp?: Array<{ route: Array<{ weight: number }> }>; rules?: Array<{ backendRefs: Array<{ weight: number }> }> } };
    const weights = obj.spec.tcp?.[0]?.route.map((d) => d.weight) ?? obj.spec.rules?.[0]?.backendRefs.map((b) => b.weight);
    return weights ? [obj.kind, weights] : [obj.kind];
  });
}

describe('tcpshift render', () => {
  it('prints Gateway, DestinationRule and VirtualService as multi-document YAML', async () => {
    const run = await runTcpshift(['render', '-f', 'examples/shift.yaml', '--weight', '20']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const docs = parseAllDocuments(run.stdout).map((d) => d.toJS() as unknown);
    expect(kindsAndWeights(docs)).toEqual([['Gateway'], ['DestinationRule'], ['VirtualService', [80, 20]]]);
  });

  it('prints a v1 List with -o json', async () => {
    const run = await runTcpshift(['render', '-f', 'examples/shift-gateway-api.yaml', '--weight', '100', '-o', 'json']);
    expect(run.code).toBe(0);
    const list = JSON.parse(run.stdout) as { apiVersion: string; kind: string; items: unknown[] };
    expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List' });
    expect(kindsAndWeights(list.items)).toEqual([['TCPRoute', [0, 100]]]);
  });

  it('shows examples in --help', async () => {
    const run = await runTcpshift(['render', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Examples:\n.*\n\s+\$ tcpshift render -f examples\/shift\.yaml --weight 20/);
    expect(run.stdout).toMatch(/-o, --output <format>/);
  });

  it('works as `npm start` runs it: a real process from dist/', async () => {
    const run = await execBin('tcpshift', ['render', '-f', 'examples/shift.yaml', '--weight', '20']);
    expect(run.code).toBe(0);
    expect(kindsAndWeights(parseAllDocuments(run.stdout).map((d) => d.toJS() as unknown))).toEqual([['Gateway'], ['DestinationRule'], ['VirtualService', [80, 20]]]);
  });
});
