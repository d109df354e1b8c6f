// Fault injection for the sandbox, `demo --fault` and tests.
export { startFaultProxy, type FaultProxy, type FaultProxyOptions } from './fault-proxy.js';
export { corruptBytes, FAULT_MODES, faultSetting, type FaultMode, type FaultOptions, type FaultSetting } from './modes.js';
export type { ProxiedConnectionInfo, ProxyTarget } from './proxied-connection.js';
