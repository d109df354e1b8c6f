import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exampleObject, exampleText, withChanges, type ExampleFile } from '../spec/examples.js';
import { runTcpshift } from '../support/cli.js';

// Every bad input: exit 2, nothing on stdout, and a message on stderr naming the field or flag.
const dir = mkdtempSync(path.join(tmpdir(), 'tcpshift-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function fileWith(text: string): string {
  const file = path.join(dir, `shift-${fileCount++}.yaml`);
  writeFileSync(file, text);
  return file;
}

function changed(changes: Record<string, unknown>, example: ExampleFile = 'shift.yaml'): string {
  return fileWith(stringify(withChanges(exampleObject(example), changes)));
}

type Case = [name: string, argv: () => string[], named: string | RegExp];

const withFile = (changes: Record<string, unknown>, example?: ExampleFile): (() => string[]) => () => ['render', '-f', changed(changes, example), '--weight', '20'];
const gatewayApi = (changes: Record<string, unknown>): (() => string[]) => withFile(changes, 'shift-gateway-api.yaml');
const good = 'examples/shift.yaml';

const CASES: Case[] = [
  ['weight above 100', () => ['render', '-f', good, '--weight', '101'], '--weight'],
  ['negative weight', () => ['render', '-f', good, '--weight=-1'], '--weight'],
  ['fractional weight', () => ['render', '-f', good, '--weight', '20.5'], '--weight'],
  ['weight that is no number', () => ['render', '-f', good, '--weight', 'half'], '--weight'],
  ['missing --weight', () => ['render', '-f', good], '--weight'],
  ['missing -f', () => ['render', '--weight', '20'], '--file'],
  ['unknown output format', () => ['render', '-f', good, '--weight', '20', '-o', 'xml'], '--output'],
  ['file that does not exist', () => ['render', '-f', path.join(dir, 'nope.yaml'), '--weight', '20'], /-f .*nope\.yaml: cannot read the file \(ENOENT\)/],
  ['file that is not YAML', () => ['render', '-f', fileWith('spec: [1, 2\n'), '--weight', '20'], /not valid YAML/],
  ['empty file', () => ['render', '-f', fileWith(''), '--weight', '20'], /exactly one YAML document/],
  ['two documents', () => ['render', '-f', fileWith(`${exampleText('shift.yaml')}\n---\n${exampleText('shift.yaml')}`), '--weight', '20'], /exactly one YAML document/],
  ['wrong apiVersion', withFile({ apiVersion: 'tcpshift.io/v1' }), 'apiVersion: must be tcpshift.io/v1alpha1'],
  ['wrong kind', withFile({ kind: 'Shift' }), 'kind: must be TCPShift'],
  ['missing metadata.name', withFile({ 'metadata.name': undefined }), 'metadata.name'],
  ['upper-case namespace', withFile({ 'metadata.namespace': 'Echo' }), 'metadata.namespace'],
  ['spec that is a list', withFile({ spec: [1] }), 'spec: must be an object'],
  ['typo in a spec field', withFile({ 'spec.schedul': { steps: [10] } }), 'spec.schedul: unknown field'],
  ['typo deep down', withFile({ 'spec.probe.longLived.hearbeat': '1s' }), 'spec.probe.longLived.hearbeat: unknown field'],
  ['unknown provider', withFile({ 'spec.provider': 'linkerd' }), 'spec.provider: must be one of: istio, gateway-api'],
  ['steps not increasing', withFile({ 'spec.schedule.steps': [10, 50, 25] }), 'spec.schedule.steps[2]'],
  ['step 0', withFile({ 'spec.schedule.steps': [0, 50] }), 'spec.schedule.steps[0]'],
  ['step above 100', withFile({ 'spec.schedule.steps': [50, 101] }), 'spec.schedule.steps[1]'],
  ['fractional step', withFile({ 'spec.schedule.steps': [12.5] }), 'spec.schedule.steps[0]'],
  ['no steps', withFile({ 'spec.schedule.steps': [] }), 'spec.schedule.steps'],
  ['bake without unit', withFile({ 'spec.schedule.bake': '60' }), 'spec.schedule.bake'],
  ['heartbeat not shorter than timeout', withFile({ 'spec.probe.longLived.heartbeat': '2s' }), 'spec.probe.longLived.heartbeat'],
  ['zero connect timeout', withFile({ 'spec.probe.connectTimeout': '0s' }), 'spec.probe.connectTimeout'],
  ['subset that is no DNS-1123 label', withFile({ 'spec.stable.subset': 'V1' }), 'spec.stable.subset'],
  ['same subset twice', withFile({ 'spec.canary.subset': 'v1' }), 'spec.canary.subset: must differ from stable.subset'],
  ['port out of range', withFile({ 'spec.target.port': 70000 }), 'spec.target.port'],
  ['match port as a string', withFile({ 'spec.target.matchPort': '31400' }), 'spec.target.matchPort'],
  ['wildcard host', withFile({ 'spec.target.host': '*' }), 'spec.target.host'],
  ['missing VirtualService name', withFile({ 'spec.target.virtualService': undefined }), 'spec.target.virtualService: is required'],
  ['empty gateways list', withFile({ 'spec.target.gateways': [] }), 'spec.target.gateways'],
  ['probe address without port', withFile({ 'spec.probe.address': 'gateway.local' }), 'spec.probe.address'],
  ['unknown identify mode', withFile({ 'spec.probe.identify': { mode: 'magic' } }), 'spec.probe.identify.mode'],
  ['identify regex without version group', withFile({ 'spec.probe.identify': { mode: 'regex', pattern: 'v(\\d)' } }), 'spec.probe.identify.pattern'],
  ['identify prefixes equal', withFile({ 'spec.probe.identify': { mode: 'prefix', stable: 'one', canary: 'one' } }), 'spec.probe.identify.canary'],
  ['split tolerance above 0.5', withFile({ 'spec.analysis.splitTolerance': 0.6 }), 'spec.analysis.splitTolerance'],
  ['split confidence of 1', withFile({ 'spec.analysis.splitConfidence': 1 }), 'spec.analysis.splitConfidence'],
  ['unknown existing-connections policy', withFile({ 'spec.analysis.existingConnections': 'keep' }), 'spec.analysis.existingConnections'],
  ['paused as a string', withFile({ 'spec.paused': 'yes' }), 'spec.paused: must be true or false'],
  ['unknown onDelete', withFile({ 'spec.onDelete': 'orphan' }), 'spec.onDelete'],
  ['zero connections per step', withFile({ 'spec.probe.newConnections.perStep': 0 }), 'spec.probe.newConnections.perStep'],
  ['gateway-api with a subset', gatewayApi({ 'spec.stable': { subset: 'v1' } }), 'spec.stable.subset: unknown field (allowed here: service)'],
  ['gateway-api Service name starting with a digit', gatewayApi({ 'spec.canary.service': '2echo' }), 'spec.canary.service'],
  ['gateway-api unknown TCPRoute version', gatewayApi({ 'spec.target.apiVersion': 'gateway.networking.k8s.io/v2' }), 'spec.target.apiVersion'],
  ['gateway-api without gateway', gatewayApi({ 'spec.target.gateway': undefined }), 'spec.target.gateway: is required'],
];

describe('tcpshift render with bad input', () => {
  it('has a table of at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES)('%s: exit 2, the message names it, nothing printed', async (_name, argv, named) => {
    const run = await runTcpshift(argv());
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    if (typeof named === 'string') expect(run.stderr).toContain(named);
    else expect(run.stderr).toMatch(named);
  });
});
