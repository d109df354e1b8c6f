/** src/kube: the only importer of @kubernetes/client-node. Everything other layers use is here. */
export { KubeClient, type KubeClientOptions } from './client.js';
export { loadKubeConfig, type KubeConfigSource } from './kubeconfig.js';
export * from './kinds.js';
export type * from './objects.js';
export {
  ResourceClient,
  type DeleteOptions,
  type ListOptions,
  type Patch,
  type WatchEvent,
  type WatchEventType,
  type WatchOptions,
  type WriteOptions,
} from './resource-client.js';
export {
  AlreadyExistsError,
  ConflictError,
  GoneError,
  InvalidError,
  isRetryable,
  KubeError,
  NotFoundError,
  RetryableError,
  type FieldCause,
} from './errors.js';
export { backoffDelay, defaultRetryPolicy, withRetry, type RetryOptions, type RetryPolicy } from './retry.js';
export { updateWithConflictRetry, type ConflictRetryResult } from './conflict.js';
export { Informer, type InformerHandlers, type InformerOptions, type InformerStats } from './informer.js';
export { LeaderElector, type LeaderElectionConfig } from './leader-election.js';
export { EventRecorder, referenceTo, type EventRecorderOptions } from './event-recorder.js';
export { formatMicroTime, formatTime, parseTime } from './micro-time.js';
export type { KubeTransport, WatchHandle } from './transport.js';
