/** The Kubernetes API emulator: what the sandbox and the tests start instead of a cluster. */
export { createApiCore, startApiServer, type ApiServer, type ApiServerOptions, type KubeconfigOptions } from './api-server.js';
export { Faults, type FaultMatch } from './faults.js';
export { InProcessClient, type ObjectRef } from './in-process-client.js';
export { ApiError, CONFLICT_MODIFIED } from './api-error.js';
export type { PatchType } from './patching.js';
export type { RequestRecord } from './resource-handler.js';
export type { KubeObject, ObjectMeta } from './types.js';
