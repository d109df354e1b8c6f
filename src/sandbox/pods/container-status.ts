import type { Condition } from '../../kube/index.js';
import { POD_IP } from './pod-manifest.js';

/**
 * The Pod status the sandbox's kubelet writes, from what it knows of the one container it runs,
 * shaped as the kubelet's (pkg/kubelet/kubelet_pods.go `generateAPIPodStatus`/`getPhase`): phase
 * Pending until the container first ran, then Running (restartPolicy Always: a container in
 * back-off keeps the pod Running); `containerStatuses[0]` with state, lastState, restartCount.
 */
export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } };

export interface TerminatedState {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
}

export interface ContainerRecord {
  name: string;
  image: string;
  state: ContainerState;
  lastTerminated?: TerminatedState;
  restartCount: number;
  ready: boolean;
  /** The container ran at least once. */
  hasRun: boolean;
}

function condition(type: string, status: boolean, at: string): Condition {
  return { type, status: status ? 'True' : 'False', lastTransitionTime: at };
}

export function podStatus(record: ContainerRecord, startedAt: string, now: string): Record<string, unknown> {
  const running = 'running' in record.state;
  return {
    phase: record.hasRun ? 'Running' : 'Pending',
    hostIP: POD_IP,
    ...(record.hasRun ? { podIP: POD_IP, podIPs: [{ ip: POD_IP }] } : {}),
    startTime: startedAt,
    conditions: [
      condition('PodScheduled', true, startedAt),
      condition('Initialized', true, startedAt),
      condition('ContainersReady', record.ready, now),
      condition('Ready', record.ready, now),
    ],
    containerStatuses: [
      {
        name: record.name,
        image: record.image,
        imageID: '',
        ready: record.ready,
        started: running,
        restartCount: record.restartCount,
        state: record.state,
        lastState: record.lastTerminated ? { terminated: record.lastTerminated } : {},
      },
    ],
  };
}

/** What the kubelet puts in `terminated`: reason Completed for exit 0, Error otherwise; the last lines of output as message. */
export function terminatedState(exit: { code: number | null; signal: NodeJS.Signals | null }, output: string, startedAt: string, finishedAt: string): TerminatedState {
  const exitCode = exit.code ?? 128 + signalNumber(exit.signal);
  const message = output.trim().split('\n').slice(-5).join('\n');
  return { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', ...(message ? { message } : {}), startedAt, finishedAt };
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15, SIGABRT: 6 };

function signalNumber(signal: NodeJS.Signals | null): number {
  return (signal && SIGNALS[signal]) ?? 0;
}
