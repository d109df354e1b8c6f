import { ConflictError, Informer, InvalidError, type KubeObject, type ResourceClient } from '../kube/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { RoutingError } from '../spec/routing-error.js';
import { weightsForCanary, type RouteShape, type WeightReading } from '../spec/weighted-route.js';
import { applyJsonPatch, deepEqual, type JsonPatchOp } from '../util/json-patch.js';
import { metadataPatch } from './metadata-patch.js';
import { routeView, storedChanges, WHOLE_OBJECT, type RouteScope } from './route-annotations.js';
import type { RouteChange, RouteKind, RouteSnapshot, TrafficRouter, UpdateOptions, UpdateResult } from './traffic-router.js';

/** What differs between providers: where the weights are and how to patch them (pure functions). */
export interface RouteProvider<T extends KubeObject> {
  kind: RouteKind;
  client: ResourceClient<T>;
  readWeights(object: T): WeightReading;
  readShape(object: T): RouteShape;
  /** JSON Patch of the owned weights, starting with a `test` of metadata.resourceVersion. */
  weightPatch(object: T, canaryWeight: number, restore?: RouteShape): JsonPatchOp[];
  /** Which route of the object tcpshift's annotations are about; the whole object when undefined. */
  scope?: RouteScope;
}

/**
 * A TrafficRouter over one object of the API: reads through ResourceClient.get, writes one JSON
 * Patch per change (retried by src/kube on 429/5xx/network errors), recomputed from a fresh read
 * on 409 and on a 422 caused by a failed `test` (the object moved since it was read).
 */
export class PatchingRouter<T extends KubeObject> implements TrafficRouter {
  readonly description: string;
  readonly kind: RouteKind;

  constructor(
    private readonly provider: RouteProvider<T>,
    readonly name: string,
    readonly namespace: string,
  ) {
    this.kind = provider.kind;
    this.description = `${provider.kind} ${namespace}/${name}`;
  }

  async read(): Promise<RouteSnapshot> {
    return this.snapshot(await this.provider.client.get(this.name, this.namespace));
  }

  snapshot(object: KubeObject): RouteSnapshot {
    const resourceVersion = object.metadata.resourceVersion;
    if (typeof resourceVersion !== 'string' || resourceVersion === '') {
      throw new RoutingError(`the ${this.description} has no resourceVersion`, 'metadata.resourceVersion');
    }
    return {
      object,
      weights: this.provider.readWeights(object as T),
      shape: this.provider.readShape(object as T),
      annotations: this.annotationsOf(object),
      labels: { ...object.metadata.labels },
      resourceVersion,
    };
  }

  /** A snapshot even of a route tcpshift can no longer shift (refusal set), for metadata-only writes. */
  private lenientSnapshot(object: KubeObject): RouteSnapshot {
    try {
      return this.snapshot(object);
    } catch (error) {
      const resourceVersion = object.metadata.resourceVersion;
      if (!(error instanceof RoutingError) || typeof resourceVersion !== 'string' || resourceVersion === '') throw error;
      const weights = { stable: 0, canary: 0, total: 0, share: 0 };
      const shape = { stable: null, canary: null };
      return { object, weights, shape, annotations: this.annotationsOf(object), labels: { ...object.metadata.labels }, resourceVersion, refusal: error.message };
    }
  }

  annotationsOf(object: KubeObject): Readonly<Record<string, string>> {
    return routeView(object.metadata.annotations ?? {}, this.scope);
  }

  private get scope(): RouteScope {
    return this.provider.scope ?? WHOLE_OBJECT;
  }

  validateWeight(snapshot: RouteSnapshot, canaryWeight: number): void {
    this.provider.weightPatch(snapshot.object as T, canaryWeight);
  }

  setCanaryWeight(canaryWeight: number, options: UpdateOptions = {}): Promise<UpdateResult> {
    return this.update(() => ({ canaryWeight }), options);
  }

  async update(change: (current: RouteSnapshot) => RouteChange | undefined, options: UpdateOptions = {}): Promise<UpdateResult> {
    const maxAttempts = options.maxAttempts ?? 10;
    let current = options.basis ?? (await this.readLenient());
    for (let attempt = 1; ; attempt++) {
      const ops = this.patchFor(current, change(current));
      if (ops.length === 0) return { snapshot: current, written: false, attempts: attempt };
      try {
        const written = await this.provider.client.patch(this.name, this.namespace, { type: 'json', ops });
        return { snapshot: this.lenientSnapshot(written), written: true, attempts: attempt };
      } catch (error) {
        if (!(error instanceof ConflictError || error instanceof InvalidError) || attempt >= maxAttempts) throw error;
        const fresh = await this.readLenient();
        // A 422 on an object that did not move is a real rejection, not a stale `test`.
        if (error instanceof InvalidError && fresh.resourceVersion === current.resourceVersion) throw error;
        current = fresh;
      }
    }
  }

  private async readLenient(): Promise<RouteSnapshot> {
    return this.lenientSnapshot(await this.provider.client.get(this.name, this.namespace));
  }

  async watch(onObject: (object: KubeObject | undefined) => void, options: { clock?: Clock } = {}): Promise<() => Promise<void>> {
    const informer = new Informer(this.provider.client, {
      clock: options.clock ?? systemClock,
      namespace: this.namespace,
      fieldSelector: `metadata.name=${this.name}`,
      backoff: { baseDelayMs: 200, maxDelayMs: 2000 },
    });
    informer.on({ onAdd: (o) => onObject(o), onUpdate: (_old, o) => onObject(o), onDelete: () => onObject(undefined) });
    await informer.start();
    return () => informer.stop();
  }

  /** The ops of one change: owned weights (when they differ), then metadata; [] when nothing changes. */
  private patchFor(current: RouteSnapshot, change: RouteChange | undefined): JsonPatchOp[] {
    if (!change) return [];
    const object = current.object;
    const annotations = storedChanges(change.annotations, object.metadata.annotations ?? {}, this.scope);
    const metadata = [...metadataPatch(object, 'annotations', annotations), ...metadataPatch(object, 'labels', change.labels)];
    const weightOps = change.canaryWeight === undefined || (current.refusal === undefined && !change.restore && sameWeights(current.weights, change.canaryWeight))
      ? []
      : changing(object, this.provider.weightPatch(object as T, change.canaryWeight, change.restore));
    if (weightOps.length > 0) return [...weightOps, ...metadata];
    if (metadata.length === 0) return [];
    return [{ op: 'test', path: '/metadata/resourceVersion', value: current.resourceVersion }, ...metadata];
  }
}

/** The ops, or none when they would leave the object as it is (a restore already done). */
function changing(object: KubeObject, ops: JsonPatchOp[]): JsonPatchOp[] {
  return deepEqual(applyJsonPatch(object, ops), object) ? [] : ops;
}

/** The route already has stable 100 - W and canary W and nothing else carries traffic. */
function sameWeights(reading: WeightReading, canaryWeight: number): boolean {
  const wanted = weightsForCanary(canaryWeight);
  return reading.stable === wanted.stable && reading.canary === wanted.canary && reading.total === 100;
}
