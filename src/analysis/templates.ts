/**
 * The built-in metric checks' PromQL, on Istio's standard TCP metrics (istio.io "Istio Standard
 * Metrics": istio_tcp_connections_opened_total, istio_tcp_connections_closed_total,
 * istio_tcp_sent_bytes_total, istio_tcp_received_bytes_total). Every selector takes
 * `reporter="source"`: the proxy that opened the upstream connection (the ingress gateway, or a
 * client's sidecar) reports it, and only that side sees a connection the upstream refused or
 * never had (UF, UH: nothing reaches the destination's sidecar). Placeholders are filled by
 * renderQuery.
 *
 * A version is `destination_canonical_revision` of `destination_service_name` (Istio's provider:
 * subsets select pods by their `version` label, which istio is given as the canonical revision) or,
 * with Gateway API (one Service per version), the version's `destination_service_name`. Not
 * `destination_version`: istio-proxy only knows it from the peer's metadata exchange, so a
 * connection whose upstream connect failed (UF) reports `destination_version="unknown"`, while the
 * canonical revision comes from the EDS endpoint's metadata (istio/proxy istio_stats.cc
 * `populatePeerInfo`, extensions/common/metadata_object.cc `convertEndpointMetadata`). A
 * connection that found no endpoint at all (UH) carries no version of either kind: it is counted
 * for no version (the probes see it).
 */

/**
 * Envoy response flags of a TCP connection that failed upstream (envoy
 * source/common/stream_info/utility.cc `ResponseFlagUtils`): UF upstream connection failure
 * (refused, reset before connect), UH no healthy upstream, URX connect attempts exhausted
 * (tcp_proxy max_connect_attempts), UO overflow (circuit breaker), NR no route. Not UT (idle
 * timeout): that is how a quiet connection ends normally.
 * Several flags are joined with ',' (e.g. `UF,URX`), hence the `.*` around the alternation.
 */
export const FAILURE_RESPONSE_FLAGS = ['UF', 'UH', 'URX', 'UO', 'NR'] as const;

const FLAGS = `.*(${FAILURE_RESPONSE_FLAGS.join('|')}).*`;

export type TemplateProvider = 'istio' | 'gateway-api';

/** The labels selecting one version's connections through the shift's Service. */
function versionSelector(provider: TemplateProvider, version: 'stable' | 'canary'): string {
  const service = provider === 'istio' ? `destination_service_name="{{ service }}", destination_canonical_revision="{{ ${version} }}"` : `destination_service_name="{{ ${version} }}"`;
  return `reporter="source", destination_service_namespace="{{ namespace }}", ${service}`;
}

const increase = (metric: string, selector: string): string => `sum(increase(${metric}{${selector}}[{{ interval }}]))`;

/** Share of a version's opened connections closed with a failure flag: empty when it opened none. */
function failureRatio(provider: TemplateProvider, version: 'stable' | 'canary'): string {
  const selector = versionSelector(provider, version);
  const failed = increase('istio_tcp_connections_closed_total', `${selector}, response_flags=~"${FLAGS}"`);
  return `((${failed} or vector(0)) / (${increase('istio_tcp_connections_opened_total', selector)} > 0))`;
}

/** Bytes both ways per opened connection of a version: empty when it opened none. */
function bytesPerConnection(provider: TemplateProvider, version: 'stable' | 'canary'): string {
  const selector = versionSelector(provider, version);
  const bytes = `(${increase('istio_tcp_received_bytes_total', selector)} + ${increase('istio_tcp_sent_bytes_total', selector)})`;
  return `(${bytes} / (${increase('istio_tcp_connections_opened_total', selector)} > 0))`;
}

/**
 * - `tcp-connection-failure-rate`: the canary's failed share of opened connections minus the
 *   stable's (0 when the stable opened none); no data when the canary opened none.
 * - `tcp-connections-opened`: connections opened to the canary over the interval.
 * - `tcp-bytes-ratio`: the canary's bytes (received + sent) per connection over the stable's: 1
 *   when both move the same bytes per connection; no data when either opened none.
 */
export function templateQuery(template: string, provider: TemplateProvider): string {
  switch (template) {
    case 'tcp-connection-failure-rate':
      return `${failureRatio(provider, 'canary')} - on() (${failureRatio(provider, 'stable')} or vector(0))`;
    case 'tcp-connections-opened':
      return increase('istio_tcp_connections_opened_total', versionSelector(provider, 'canary'));
    case 'tcp-bytes-ratio':
      return `${bytesPerConnection(provider, 'canary')} / on() ${bytesPerConnection(provider, 'stable')}`;
    default:
      throw new Error(`no built-in metric template ${template}`);
  }
}
