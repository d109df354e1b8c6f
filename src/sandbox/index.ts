// The embedded sandbox: API emulator, mesh gateway emulator, echo pods, fault injection.
export { startSandbox, type Sandbox, type SandboxFiles, type SandboxInfo, type SandboxOptions, type SandboxPod } from './sandbox.js';
export type { FaultTarget } from './pod-faults.js';
export { SandboxBusyError, LOCK_FILE, runningSandboxPid } from './dir-lock.js';
export type { GatewayEntry } from './sandbox-info.js';
export { GATEWAY_NAME, GATEWAY_PORT, SANDBOX_NAMESPACE, SERVICE_PORT, type SandboxProvider } from './sandbox-objects.js';
export { DEFAULT_DRAIN_MS, type MeshGateway, type ListenerInfo } from './mesh/index.js';
export { FAULT_MODES, type FaultMode, type FaultOptions } from './faults/index.js';
export type { ApiServer } from './apiserver/index.js';
export { SANDBOX_SPLIT } from './sandbox-shift.js';
export { PrometheusMissingError } from './prometheus/prometheus-process.js';
export type { SandboxPrometheusInfo, SandboxPrometheusOptions } from './sandbox-telemetry.js';
