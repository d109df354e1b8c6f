// DESIGN section 2, dependency rule:
//   cmd -> cli -> {controller, shift, sandbox, report} -> {router, probe} -> {kube, istio, gatewayapi} -> spec
//   (hooks, the webhook and notification senders, sits between {cli, controller} and shift)
// Imports point downward only (skipping a layer is allowed). `util` (clock, durations, logger
// interface) sits under everything. `probe` and `echo` never import `kube`. The table is the
// single place the rule is written down; eslint/import-boundaries.js enforces it.
export const allowedImports = {
  util: [],
  spec: ['util'],
  istio: ['spec', 'util'],
  gatewayapi: ['spec', 'util'],
  kube: ['spec', 'util'],
  echo: ['util'],
  analysis: ['util'],
  probe: ['spec', 'util'],
  router: ['kube', 'istio', 'gatewayapi', 'spec', 'util'],
  report: ['analysis', 'probe', 'spec', 'util'],
  shift: ['analysis', 'report', 'router', 'probe', 'kube', 'istio', 'gatewayapi', 'spec', 'util'],
  sandbox: ['router', 'probe', 'kube', 'istio', 'gatewayapi', 'echo', 'spec', 'util'],
  hooks: ['shift', 'report', 'kube', 'spec', 'util'],
  controller: ['hooks', 'shift', 'analysis', 'report', 'router', 'probe', 'kube', 'istio', 'gatewayapi', 'spec', 'util'],
  cli: ['controller', 'hooks', 'shift', 'sandbox', 'analysis', 'report', 'router', 'probe', 'kube', 'istio', 'gatewayapi', 'echo', 'spec', 'util'],
};

/** Packages only one layer may import. */
export const packageOwners = {
  '@kubernetes/client-node': 'kube',
};
