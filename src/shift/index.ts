// Public API of src/shift: the pure core (state, decide, policy, plan) and the runner.
export * from './state.js';
export * from './decide.js';
export * from './policy.js';
export * from './plan.js';
export * from './report.js';
export * from './prober.js';
export * from './runner.js';
export * from './annotations.js';
export * from './lock.js';
export * from './annotation-port.js';
export * from './operator.js';
export * from './requests.js';
export * from './acquire.js';
export * from './rerun.js';
export * from './probe-annotation.js';
