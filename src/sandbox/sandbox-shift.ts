import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { formatDuration } from '../util/duration.js';
import { packagePath } from '../util/package-root.js';
import type { SandboxProvider } from './sandbox-objects.js';

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
