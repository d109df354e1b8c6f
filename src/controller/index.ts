// Public API of src/controller: the in-cluster controller (tcpshift controller) and its parts.
export { startController, TerminalError, type ControllerOptions, type LeaseSettings, type ProbeMode, type RunningController } from './controller.js';
export { Reconciler, ROUTE_WAIT_MS, type ReconcileContext, type ReconcileResult, type ReconcilerDeps } from './reconciler.js';
export { WorkQueue, runWorkers, type WorkQueueOptions } from './work-queue.js';
export { LightProber } from './light-prober.js';
export { budgetWaitMessage, ProbeBudget, type BudgetWait } from './probe-budget.js';
export { pinnedSpec, ProbeGuard, systemResolve, type ProbeAdmission, type Resolve } from './probe-guard.js';
export { ControllerMetrics } from './metrics.js';
export { buildStatus, invalidSpecStatus, splitSummary, type SplitSummary, type StatusView, type WrittenStatus } from './shift-status.js';
export { mergeConditions, problemConditions, stateConditions, type DesiredCondition, type Problem } from './conditions.js';
export { engineFields, readStoredRun, resolveStoredSpec, runKey, stableJson, type EngineRecord, type StoredRun } from './engine-record.js';
export { ROLLBACK_FINALIZER, effectiveRequest, reopenForRollback } from './requests.js';
export { controllerHolder, LeadershipEndedError } from './engine-driver.js';
export { ShardedEvents, type EventSink, type ShardedEventsOptions } from './event-sink.js';
