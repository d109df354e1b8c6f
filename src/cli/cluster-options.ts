import { Option, type Command } from 'commander';
import { KubeClient, KubeError } from '../kube/index.js';
import { UsageError } from './errors.js';
import { checkFileBeforeReading, MAX_KUBECONFIG_BYTES } from './input-file.js';
import type { CliContext } from './io.js';

/** kubectl's connection flags, shared by the verbs that talk to a cluster. */
export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
}

export function addClusterOptions(command: Command): Command {
  return command
    .option('--kubeconfig <path>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster)')
    .option('--context <name>', 'kubeconfig context to use (default: the current one)');
}

export function addNamespaceOption(command: Command): Command {
  return command.option('-n, --namespace <namespace>', "namespace of the shift (default: the kubeconfig context's)");
}

export function addOutputOption(command: Command, formats: readonly string[], help: string): Command {
  return command.addOption(new Option('-o, --output <format>', help).choices([...formats]).default(formats[0]));
}

const KUBECONFIG_HINT = 'give --kubeconfig PATH or set KUBECONFIG (for the sandbox: eval "$(tcpshift sandbox env)")';

/** Connect as kubectl would; a kubeconfig that cannot be loaded is bad input (exit 2). */
export function connectCluster(flags: ClusterFlags, ctx: CliContext): KubeClient {
  const fromEnv = ctx.env.KUBECONFIG && !ctx.env.KUBECONFIG.includes(':') ? ctx.env.KUBECONFIG : undefined;
  const kubeconfig = flags.kubeconfig ?? fromEnv;
  if (kubeconfig !== undefined) checkFileBeforeReading('--kubeconfig', kubeconfig, MAX_KUBECONFIG_BYTES);
  try {
    return KubeClient.connect(
      { ...(kubeconfig !== undefined ? { kubeconfig } : {}), ...(flags.context !== undefined ? { context: flags.context } : {}) },
      { clock: ctx.clock },
    );
  } catch (error) {
    if (error instanceof KubeError) throw new UsageError(`${flags.context !== undefined && error.message.includes('context') ? '--context' : '--kubeconfig'}: ${error.message}; ${KUBECONFIG_HINT}`);
    throw error;
  }
}
