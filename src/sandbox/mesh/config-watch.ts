import { Informer, type KubeClient, type KubeObject, type ResourceClient } from '../../kube/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { GATEWAY_API_GATEWAY_KIND, GATEWAY_CLASS_KIND } from './gateway-api-gateways.js';
import type { MeshObjects } from './mesh-objects.js';

/**
 * The gateway's view of the API, as istiod's: informers (list + watch over HTTPS through
 * src/kube) on Gateways, VirtualServices, DestinationRules, TCPRoutes, Services and Pods in every
 * namespace. A burst of events (a watch chunk, a relist) is reported as one change.
 */
export interface MeshConfigWatchOptions {
  clock: Clock;
  logger: Logger;
  onChange: () => void;
  /** Also watch Gateway API Gateways and GatewayClasses (their CRDs must be installed). */
  gatewayApi?: boolean;
}

export class MeshConfigWatch {
  private readonly gateways;
  private readonly virtualServices;
  private readonly destinationRules;
  private readonly tcpRoutes;
  private readonly services;
  private readonly pods;
  private readonly gatewayApi: { gateways: Informer<KubeObject>; classes: Informer<KubeObject> } | undefined;
  private changePending = false;
  private stopped = false;

  constructor(kube: KubeClient, private readonly options: MeshConfigWatchOptions) {
    this.gateways = this.informer(kube.gateways);
    this.virtualServices = this.informer(kube.virtualServices);
    this.destinationRules = this.informer(kube.destinationRules);
    this.tcpRoutes = this.informer(kube.tcpRoutes);
    this.services = this.informer(kube.services);
    this.pods = this.informer(kube.pods);
    this.gatewayApi = options.gatewayApi ? { gateways: this.informer(kube.resource(GATEWAY_API_GATEWAY_KIND)), classes: this.informer(kube.resource(GATEWAY_CLASS_KIND)) } : undefined;
  }

  private informer<T extends KubeObject>(resource: ResourceClient<T>): Informer<T> {
    const changed = (): void => this.changed();
    const logger = this.options.logger;
    return new Informer(resource, { allNamespaces: true, clock: this.options.clock, logger }).on({
      onAdd: changed,
      onUpdate: changed,
      onDelete: changed,
      onError: (error) => logger.debug('gateway watch failed, retrying', { resource: resource.kind.plural, error: error.message }),
    });
  }

  private all(): Array<Informer<KubeObject>> {
    const gatewayApi = this.gatewayApi ? [this.gatewayApi.gateways, this.gatewayApi.classes] : [];
    return [this.gateways, this.virtualServices, this.destinationRules, this.tcpRoutes, this.services, this.pods, ...gatewayApi];
  }

  private changed(): void {
    if (this.changePending || this.stopped) return;
    this.changePending = true;
    queueMicrotask(() => {
      this.changePending = false;
      if (!this.stopped) this.options.onChange();
    });
  }

  /** Resolves once every informer has listed. */
  async start(): Promise<void> {
    await Promise.all(this.all().map((i) => i.start()));
  }

  objects(): MeshObjects {
    return {
      gateways: this.gateways.list(),
      virtualServices: this.virtualServices.list(),
      destinationRules: this.destinationRules.list(),
      tcpRoutes: this.tcpRoutes.list(),
      services: this.services.list(),
      pods: this.pods.list(),
      ...(this.gatewayApi ? { gatewayApiGateways: this.gatewayApi.gateways.list(), gatewayClasses: this.gatewayApi.classes.list() } : {}),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.all().map((i) => i.stop()));
  }
}
