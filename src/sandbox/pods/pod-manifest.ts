import type { Kind, KubeObject, Pod } from '../../kube/index.js';

/**
 * Pure builders of what the sandbox's kubelet and Deployment controller write: pod names, the
 * Pod object of a running echo process, its status, and a Deployment's status.
 */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: {
    containers?: Array<{ name: string; image?: string; args?: string[]; ports?: Array<Record<string, unknown>>; [key: string]: unknown }>;
    terminationGracePeriodSeconds?: number;
    [key: string]: unknown;
  };
}

export interface Deployment extends KubeObject {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template?: PodTemplate; [key: string]: unknown };
  status?: Record<string, unknown>;
}

export const DeploymentKind: Kind<Deployment> = { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true, status: true };

/** Set on every pod the sandbox runs: deletion waits until the process has drained and exited. */
export const POD_FINALIZER = 'sandbox.tcpshift.io/echo-process';
export const PID_ANNOTATION = 'sandbox.tcpshift.io/pid';
/**
 * JSON `{"<containerPort>": <loopback port>}`: where each port the pod's process listens on is
 * reachable (every pod shares 127.0.0.1, so each port is bound to a free one). The gateway
 * emulator's EDS resolves a Service's targetPort to a container port as Kubernetes does, then
 * dials the loopback port this annotation gives for it.
 */
export const PORTS_ANNOTATION = 'sandbox.tcpshift.io/ports';
/** The container port name the sandbox's own Services target. */
export const ECHO_PORT_NAME = 'tcp-echo';
export const NODE_NAME = 'tcpshift-sandbox';
/** Every sandbox pod's IP: they all run on loopback. */
export const POD_IP = '127.0.0.1';
export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

// Kubernetes' rand.SafeEncodeString alphabet (no vowels, no look-alikes).
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a of the template, encoded like the pod-template-hash label. */
export function templateHash(template: PodTemplate | undefined): string {
  let hash = 0x811c9dc5;
  for (const ch of JSON.stringify(template ?? {})) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return [...String(hash)].map((d) => SAFE[Number(d) % SAFE.length]).join('');
}

/** `echo-v1-<hash>-<5 random>`, as a Deployment's ReplicaSet names its pods. */
export function podName(deployment: string, hash: string, random: () => number): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SAFE[Math.floor(random() * SAFE.length)];
  return `${deployment}-${hash}-${suffix}`;
}

export function terminationGraceSeconds(template: PodTemplate | undefined): number {
  return template?.spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS;
}

export interface PodFacts {
  name: string;
  namespace: string;
  deployment: Deployment;
  hash: string;
}

/**
 * The Pod object of a new pod: the template's metadata and spec as written (its container ports
 * are the pod's own; the loopback port each one got is in the PORTS_ANNOTATION once it runs),
 * our finalizer, an owner reference to the Deployment, the sandbox's node.
 */
export function podObject(facts: PodFacts): Pod {
  const template = facts.deployment.spec?.template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: facts.name,
      namespace: facts.namespace,
      labels: { ...template?.metadata?.labels, 'pod-template-hash': facts.hash },
      ...(template?.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      finalizers: [POD_FINALIZER],
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: facts.deployment.metadata.name ?? '', uid: facts.deployment.metadata.uid ?? '', controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: { ...template?.spec, containers: template?.spec?.containers ?? [], nodeName: NODE_NAME },
  };
}

export function deploymentStatus(generation: number | undefined, replicas: number, ready: number): Record<string, unknown> {
  return { observedGeneration: generation ?? 1, replicas, updatedReplicas: replicas, readyReplicas: ready, availableReplicas: ready, unavailableReplicas: Math.max(0, replicas - ready) };
}
