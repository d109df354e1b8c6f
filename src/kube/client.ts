import { systemClock, type Clock } from '../util/clock.js';
import {
  DestinationRuleKind,
  EventKind,
  GatewayKind,
  LeaseKind,
  NamespaceKind,
  PodKind,
  ServiceKind,
  tcpRouteKind,
  TCPShiftKind,
  VirtualServiceKind,
  type Kind,
  type TCPRouteVersion,
} from './kinds.js';
import { loadKubeConfig, type KubeConfigSource } from './kubeconfig.js';
import type { KubeObject } from './objects.js';
import { ResourceClient } from './resource-client.js';
import type { RetryOptions, RetryPolicy } from './retry.js';
import { ClientNodeTransport, type KubeTransport } from './transport.js';

/**
 * The entry point of src/kube: one connection to a cluster (kubeconfig/context or in-cluster)
 * and a typed ResourceClient per kind tcpshift uses.
 */
export interface KubeClientOptions {
  clock?: Clock;
  /** Backoff of retried requests (429, 5xx, network). */
  retry?: Partial<RetryPolicy>;
  random?: () => number;
  /** Per-request deadline. Default 30 s. */
  requestTimeoutMs?: number;
  /** Version of the Gateway API TCPRoute the cluster serves. Default v1. */
  tcpRouteVersion?: TCPRouteVersion;
}

export class KubeClient {
  readonly clock: Clock;
  readonly virtualServices;
  readonly destinationRules;
  readonly gateways;
  readonly tcpRoutes;
  readonly tcpShifts;
  readonly pods;
  readonly services;
  readonly namespaces;
  readonly events;
  readonly leases;
  private readonly retry: RetryOptions;

  /** Connect with a kubeconfig (file, text, context) or the in-cluster service account. */
  static connect(source: KubeConfigSource = {}, options: KubeClientOptions = {}): KubeClient {
    const clock = options.clock ?? systemClock;
    const transport = new ClientNodeTransport(loadKubeConfig(source), {
      clock,
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    });
    return new KubeClient(transport, options);
  }

  constructor(
    readonly transport: KubeTransport,
    options: KubeClientOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.retry = { clock: this.clock, ...(options.retry ? { policy: options.retry } : {}), ...(options.random ? { random: options.random } : {}) };
    this.virtualServices = this.resource(VirtualServiceKind);
    this.destinationRules = this.resource(DestinationRuleKind);
    this.gateways = this.resource(GatewayKind);
    this.tcpRoutes = this.resource(tcpRouteKind(options.tcpRouteVersion));
    this.tcpShifts = this.resource(TCPShiftKind);
    this.pods = this.resource(PodKind);
    this.services = this.resource(ServiceKind);
    this.namespaces = this.resource(NamespaceKind);
    this.events = this.resource(EventKind);
    this.leases = this.resource(LeaseKind);
  }

  /** The namespace of the kubeconfig context, `default` when it names none. */
  get defaultNamespace(): string {
    return this.transport.defaultNamespace;
  }

  /** A client for any kind; `retry` overrides the backoff policy (maxAttempts: 1 = no retries). */
  resource<T extends KubeObject>(kind: Kind<T>, options: { retry?: Partial<RetryPolicy> } = {}): ResourceClient<T> {
    const retry = options.retry ? { ...this.retry, policy: { ...this.retry.policy, ...options.retry } } : this.retry;
    return new ResourceClient(this.transport, kind, retry);
  }

  /** Release pooled connections. */
  close(): void {
    (this.transport as { close?: () => void }).close?.();
  }
}
