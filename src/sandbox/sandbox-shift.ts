import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { formatDuration } from '../util/duration.js';
import { packagePath } from '../util/package-root.js';
import type { SandboxProvider } from './sandbox-objects.js';

/** Bake per step of the sandbox's ready-to-run shift: short, so a first try takes about a minute. */
export const SANDBOX_BAKE = '10s';

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
  const stable = options.prefixes?.v1;
  const canary = options.prefixes?.v2;
  if (stable && canary) doc.setIn(['spec', 'probe', 'identify'], doc.createNode({ mode: 'prefix', stable, canary }, { flow: true }));
  doc.commentBefore = [
    ` Written by \`tcpshift sandbox up\` from examples/${file}: probe.address is the sandbox gateway,`,
    ' bake and drainDuration fit the sandbox. Run it from another terminal while the sandbox runs:',
    `   tcpshift shift -f ${options.files.shiftYaml} --kubeconfig ${options.files.kubeconfig}`,
  ].join('\n');
  return doc.toString({ flowCollectionPadding: false });
}
