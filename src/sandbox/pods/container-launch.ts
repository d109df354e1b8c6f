import { NotFoundError, type KubeClient, type KubeObject, type Pod } from '../../kube/index.js';
import type { Logger } from '../../util/logger.js';
import { ContainerConfigError, containerEnv, expandReferences, type ConfigSources } from './container-env.js';
import { RUNNABLE_IMAGES_HELP, runnableImage } from './container-image.js';
import { EchoStartError, spawnEchoProcess, type EchoProcess } from './echo-process.js';

/**
 * One attempt of the kubelet to start a pod's container: check the image, build the environment,
 * expand the arguments, spawn. The outcome says what the Pod status and Events must show.
 * Only the first container runs (the sandbox has no sidecars); `command` is not honoured (the
 * image's entrypoint, tcpshift-echo, always runs).
 */
export type LaunchOutcome =
  | { kind: 'started'; process: EchoProcess }
  /** The image cannot run here: stays waiting with this reason (no retry). */
  | { kind: 'unsupported-image'; reason: string; message: string }
  /** CreateContainerConfigError: retried later (the ConfigMap may appear). */
  | { kind: 'config-error'; reason: string; message: string }
  /** The process exited before it listened (bad arguments, say). */
  | { kind: 'exited'; error: EchoStartError };

export interface LaunchContext {
  kube: KubeClient;
  logger: Logger;
  drainGraceMs: number;
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

export async function launchContainer(pod: Pod, context: LaunchContext): Promise<LaunchOutcome> {
  const container = (pod.spec?.containers?.[0] ?? { name: 'container' }) as Container;
  const image = typeof container.image === 'string' ? container.image : '';
  if (!runnableImage(image)) return { kind: 'unsupported-image', reason: 'ErrImagePull', message: `image "${image}" cannot run: ${RUNNABLE_IMAGES_HELP}` };
  let env: Record<string, string>;
  try {
    env = await containerEnv(pod, container, configSources(context.kube));
  } catch (error) {
    if (error instanceof ContainerConfigError) return { kind: 'config-error', reason: 'CreateContainerConfigError', message: error.message };
    throw error;
  }
  const args = stringList(container.args).map((arg) => expandReferences(arg, env));
  try {
    const process = await spawnEchoProcess({ pod: pod.metadata.name ?? '', args, env, drainGraceMs: context.drainGraceMs, logger: context.logger });
    return { kind: 'started', process };
  } catch (error) {
    if (error instanceof EchoStartError) return { kind: 'exited', error };
    throw error;
  }
}
