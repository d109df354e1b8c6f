import { NotFoundError, type KubeClient, type KubeObject, type Pod } from '../../kube/index.js';
import type { Logger } from '../../util/logger.js';
import { ContainerConfigError, containerEnv, expandReferences, type ConfigSources } from './container-env.js';
import { RUNNABLE_IMAGES_HELP, runnableImage } from './container-image.js';
import { ContainerStartError, type ContainerProcess } from './container-process.js';
import { spawnEchoProcess } from './echo-process.js';
import { missingProgramMessage, programPath, REAL_SERVERS, type RealServer } from './real-servers.js';
import { spawnServerProcess } from './server-process.js';

/**
 * One attempt of the kubelet to start a pod's container: check the image, build the environment,
 * expand the arguments, spawn. The outcome says what the Pod status and Events must show.
 * Only the first container runs (the sandbox has no sidecars); `command` is not honoured (the
 * image's entrypoint runs: tcpshift-echo, or the real server the image names).
 */
export type LaunchOutcome =
  | { kind: 'started'; process: ContainerProcess }
  /** The image cannot run here (unknown, or its program is not installed): stays waiting with this reason (no retry). */
  | { kind: 'unsupported-image'; reason: string; message: string }
  /** CreateContainerConfigError: retried later (the ConfigMap may appear). */
  | { kind: 'config-error'; reason: string; message: string }
  /** The process exited before it listened (bad arguments, say). */
  | { kind: 'exited'; error: ContainerStartError };

export interface LaunchContext {
  kube: KubeClient;
  logger: Logger;
  drainGraceMs: number;
  /** Where a real server's program is installed; default programPath (PATH, /usr/sbin). */
  findProgram?: (program: string) => string | undefined;
}

type Container = Record<string, unknown>;

const CONFIG_MAP = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, status: false };
const SECRET = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, status: false };

interface DataObject extends KubeObject {
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

async function readData(kube: KubeClient, kind: typeof CONFIG_MAP, namespace: string, name: string): Promise<DataObject | undefined> {
  try {
    return await kube.resource<DataObject>(kind).get(name, namespace);
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

export function configSources(kube: KubeClient): ConfigSources {
  return {
    configMap: async (namespace, name) => (await readData(kube, CONFIG_MAP, namespace, name))?.data ?? undefined,
    secret: async (namespace, name) => {
      const secret = await readData(kube, SECRET, namespace, name);
      if (!secret) return undefined;
      const decoded = Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      return { ...decoded, ...secret.stringData };
    },
  };
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.map((v) => String(v)) : [];
}

function declaredPorts(container: Container): number[] {
  const ports = Array.isArray(container.ports) ? (container.ports as Array<{ containerPort?: unknown }>) : [];
  return ports.map((p) => Number(p.containerPort)).filter((p) => Number.isInteger(p) && p > 0);
}

type Spawn = (pod: Pod, container: Container, args: string[], env: Record<string, string>) => Promise<ContainerProcess>;

/** How to start the image's program, or why it cannot start (unknown image, program not installed). */
function imageSpawn(image: string, context: LaunchContext): Spawn | { reason: string; message: string } {
  const runnable = runnableImage(image);
  if (!runnable) return { reason: 'ErrImagePull', message: `image "${image}" cannot run: ${RUNNABLE_IMAGES_HELP}` };
  if (runnable === 'tcpshift-echo' || runnable === 'istio-tcp-echo') {
    return (pod, _container, args, env) => spawnEchoProcess({ pod: pod.metadata.name ?? '', args, env, drainGraceMs: context.drainGraceMs, logger: context.logger });
  }
  const server: RealServer = REAL_SERVERS[runnable];
  const program = (context.findProgram ?? programPath)(server.program);
  if (!program) return { reason: 'ImagePullBackOff', message: missingProgramMessage(image, server) };
  return (pod, container, args, env) => spawnServerProcess({ pod: pod.metadata.name ?? '', server, program, args, declaredPorts: declaredPorts(container), env, logger: context.logger });
}

export async function launchContainer(pod: Pod, context: LaunchContext): Promise<LaunchOutcome> {
  const container = (pod.spec?.containers?.[0] ?? { name: 'container' }) as Container;
  const image = typeof container.image === 'string' ? container.image : '';
  const start = imageSpawn(image, context);
  if (typeof start !== 'function') return { kind: 'unsupported-image', ...start };
  let env: Record<string, string>;
  try {
    env = await containerEnv(pod, container, configSources(context.kube));
  } catch (error) {
    if (error instanceof ContainerConfigError) return { kind: 'config-error', reason: 'CreateContainerConfigError', message: error.message };
    throw error;
  }
  const args = stringList(container.args).map((arg) => expandReferences(arg, env));
  try {
    return { kind: 'started', process: await start(pod, container, args, env) };
  } catch (error) {
    if (error instanceof ContainerStartError) return { kind: 'exited', error };
    throw error;
  }
}
