import type { Condition, Kind, KubeObject, Pod } from '../../kube/index.js';

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
/** The container port name the Services target. */
export const ECHO_PORT_NAME = 'tcp-echo';
export const HEALTH_PORT_NAME = 'http-health';
export const NODE_NAME = 'tcpshift-sandbox';
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
  pid: number;
  port: number;
  healthPort: number;
}

/** The Pod object of a started echo process: the template's labels and container, the real loopback ports. */
export function podObject(facts: PodFacts): Pod {
  const template = facts.deployment.spec?.template;
  const container = template?.spec?.containers?.[0] ?? { name: 'echo' };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: facts.name,
      namespace: facts.namespace,
      labels: { ...template?.metadata?.labels, 'pod-template-hash': facts.hash },
      annotations: { ...template?.metadata?.annotations, [PID_ANNOTATION]: String(facts.pid) },
      finalizers: [POD_FINALIZER],
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'Deployment', name: facts.deployment.metadata.name ?? '', uid: facts.deployment.metadata.uid ?? '', controller: true, blockOwnerDeletion: true },
      ],
    },
    spec: {
      ...template?.spec,
      nodeName: NODE_NAME,
      containers: [
        {
          ...container,
          ports: [
            { name: ECHO_PORT_NAME, containerPort: facts.port, protocol: 'TCP' },
            { name: HEALTH_PORT_NAME, containerPort: facts.healthPort, protocol: 'TCP' },
          ],
          readinessProbe: { httpGet: { path: '/readyz', port: HEALTH_PORT_NAME }, periodSeconds: 1 },
        },
      ],
    },
  };
}

function condition(type: string, status: boolean, now: string): Condition {
  return { type, status: status ? 'True' : 'False', lastTransitionTime: now };
}

/** status of a running pod (phase Running on 127.0.0.1) with its readiness. */
export function runningStatus(ready: boolean, startedAt: string, now: string, containerName: string): Record<string, unknown> {
  return {
    phase: 'Running',
    podIP: '127.0.0.1',
    podIPs: [{ ip: '127.0.0.1' }],
    hostIP: '127.0.0.1',
    startTime: startedAt,
    conditions: [condition('PodScheduled', true, startedAt), condition('Initialized', true, startedAt), condition('ContainersReady', ready, now), condition('Ready', ready, now)],
    containerStatuses: [{ name: containerName, ready, started: true, restartCount: 0, image: 'tcpshift-echo', imageID: '', state: { running: { startedAt } } }],
  };
}

/** status of a pod whose process ended on its own. */
export function failedStatus(exit: string, now: string): Record<string, unknown> {
  return {
    phase: 'Failed',
    conditions: [condition('Ready', false, now), condition('ContainersReady', false, now)],
    message: `tcpshift-echo exited: ${exit}`,
  };
}

export function deploymentStatus(generation: number | undefined, replicas: number, ready: number): Record<string, unknown> {
  return { observedGeneration: generation ?? 1, replicas, updatedReplicas: replicas, readyReplicas: ready, availableReplicas: ready, unavailableReplicas: Math.max(0, replicas - ready) };
}
