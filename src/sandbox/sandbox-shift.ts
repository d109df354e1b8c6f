import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { formatDuration } from '../util/duration.js';
import { packagePath } from '../util/package-root.js';
import { echoLocality, LOCALITY_GATEWAY_NAME, LOCALITY_GATEWAY_PORT, LOCALITY_HOST, LOCALITY_VIRTUAL_SERVICE, type SandboxProvider } from './sandbox-objects.js';

/** Bake per step of the sandbox's ready-to-run shift: short, so a first try takes about a minute. */
export const SANDBOX_BAKE = '10s';

/**
 * New-connection sampling for shifts run against the sandbox (its shift.yaml and the demo):
 * enough samples, at a tolerance wide enough, for the split test to decide within a short bake
 * (the spec's defaults, 200 at 0.05, mostly end 'undecided'), and a confidence high enough that a
 * newcomer's first run does not see a false alarm (0.99 is a 1 % false alarm per step).
 */
export const SANDBOX_SPLIT = { perStep: 1500, splitTolerance: 0.1, splitConfidence: 0.999 } as const;

export interface SandboxShiftOptions {
  provider: SandboxProvider;
  /** The gateway's loopback address, `127.0.0.1:PORT`. */
  address: string;
  drainMs: number;
  prefixes?: Partial<Record<string, string>>;
  /** Paths shown in the header comment's command. */
  files: { shiftYaml: string; kubeconfig: string };
}

/**
 * The example TCPShift (examples/shift.yaml, or shift-gateway-api.yaml) made ready to run against
 * the sandbox: probe.address set to the gateway's loopback address, a short bake, the sandbox's
 * drain duration, and prefix identification when the pods echo with prefixes. Comments are kept.
 */
export async function sandboxShiftYaml(options: SandboxShiftOptions): Promise<string> {
  const file = options.provider === 'istio' ? 'shift.yaml' : 'shift-gateway-api.yaml';
  const doc = parseDocument(await readFile(packagePath('examples', file), 'utf8'));
  doc.setIn(['spec', 'probe', 'address'], options.address);
  doc.setIn(['spec', 'schedule', 'bake'], SANDBOX_BAKE);
  doc.setIn(['spec', 'analysis', 'drainDuration'], formatDuration(options.drainMs));
  doc.setIn(['spec', 'probe', 'newConnections', 'perStep'], SANDBOX_SPLIT.perStep);
  doc.setIn(['spec', 'analysis', 'splitTolerance'], SANDBOX_SPLIT.splitTolerance);
  doc.setIn(['spec', 'analysis', 'splitConfidence'], SANDBOX_SPLIT.splitConfidence);
  const stable = options.prefixes?.v1;
  const canary = options.prefixes?.v2;
  if (stable && canary) doc.setIn(['spec', 'probe', 'identify'], doc.createNode({ mode: 'prefix', stable, canary }, { flow: true }));
  doc.commentBefore = [
    ` Written by \`tcpshift sandbox up\` from examples/${file}: probe.address is the sandbox gateway,`,
    ' bake, drainDuration and split sampling fit the sandbox. Run it from another terminal while the sandbox runs:',
    `   tcpshift shift -f ${options.files.shiftYaml} --kubeconfig ${options.files.kubeconfig}`,
  ].join('\n');
  return doc.toString({ flowCollectionPadding: false });
}

/**
 * DIR/shift-locality.yaml: the sandbox's shift.yaml (istio) with strategy locality, aimed at
 * VirtualService echo-locality (port 31401, the host alone) through `address` (that listener's
 * loopback address), and existingConnections: preserve, since no step may close a connection.
 */
export async function sandboxLocalityShiftYaml(options: SandboxShiftOptions & { files: { shiftLocalityYaml: string } }): Promise<string> {
  const doc = parseDocument(await sandboxShiftYaml({ ...options, provider: 'istio' }));
  doc.setIn(['metadata', 'name'], 'echo-locality');
  doc.setIn(['spec', 'strategy'], 'locality');
  doc.setIn(['spec', 'target', 'virtualService'], LOCALITY_VIRTUAL_SERVICE);
  doc.setIn(['spec', 'target', 'destinationRule'], LOCALITY_VIRTUAL_SERVICE);
  doc.setIn(['spec', 'target', 'host'], LOCALITY_HOST);
  doc.setIn(['spec', 'stable', 'locality'], echoLocality('v1'));
  doc.setIn(['spec', 'canary', 'locality'], echoLocality('v2'));
  doc.setIn(['spec', 'target', 'matchPort'], LOCALITY_GATEWAY_PORT);
  if (doc.hasIn(['spec', 'target', 'gateways'])) doc.setIn(['spec', 'target', 'gateways'], doc.createNode([LOCALITY_GATEWAY_NAME], { flow: true }));
  doc.setIn(['spec', 'analysis', 'existingConnections'], 'preserve');
  doc.commentBefore = [
    ' Written by `tcpshift sandbox up`: shift.yaml with strategy locality (drain-free), on VirtualService',
    ` echo-locality (gateway port ${LOCALITY_GATEWAY_PORT}, host ${LOCALITY_HOST} alone); the weights go to DestinationRule echo-locality's distribute.`,
    `   tcpshift shift -f ${options.files.shiftLocalityYaml} --kubeconfig ${options.files.kubeconfig}`,
  ].join('\n');
  return doc.toString({ flowCollectionPadding: false });
}
