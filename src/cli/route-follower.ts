/**
 * What a shifting CLI process does with each version of its route (list + watch by name): an
 * operator request reaches the runner, a holder other than itself halts it, and a newer version
 * shows the runner the owned weights as they are, so someone else's change (an editor setting
 * 100/0, another destination carrying traffic) is seen while the step bakes, not at the next write.
 */
import type { KubeObject } from '../kube/index.js';
import type { TrafficRouter } from '../router/index.js';
import { ShiftAnnotations, type AnnotationStatePort, type RequestTracker, type ShiftRunner } from '../shift/index.js';
import { RoutingError } from '../spec/routing-error.js';

export interface RouteFollowerDeps {
  router: TrafficRouter;
  port: AnnotationStatePort;
  runner: ShiftRunner;
  requests: RequestTracker;
  /** This process's holder identity. */
  identity: string;
  /** The run has ended: later versions are none of its business. */
  done: () => boolean;
}

export function followRoute(deps: RouteFollowerDeps): (object: KubeObject | undefined) => void {
  const { router, port, runner, requests, identity } = deps;
  return (object) => {
    if (!object || deps.done()) return;
    const annotations = router.annotationsOf(object);
    requests.fromAnnotations(annotations);
    const holder = annotations[ShiftAnnotations.holder];
    if (holder !== identity) {
      runner.halt(`lost the route's lock to ${holder ?? 'nobody (it was removed)'}`);
      return;
    }
    let snapshot;
    try {
      snapshot = router.snapshot(object);
    } catch (error) {
      // A version tcpshift cannot shift any more: the runner stops the step and says why.
      const version = object.metadata.resourceVersion;
      if (error instanceof RoutingError && version !== undefined && port.isCurrent(version)) runner.observeRoute({ ...runner.currentRoute(), refusal: error.message });
      return;
    }
    if (port.observed(snapshot)) runner.observeRoute({ canaryWeight: snapshot.weights.canary, stableWeight: snapshot.weights.stable, shape: snapshot.shape });
  };
}
