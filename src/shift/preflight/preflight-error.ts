/**
 * A pre-flight check failed: the shift would route traffic to nowhere. Names the object
 * (`DestinationRule echo/echo`), the field (of that object, or of the TCPShift as `spec.…`) and
 * what to fix. Nothing has been written when it is thrown; the CLI maps it to exit 2, the
 * controller to Degraded with `reason`.
 */
/** The checks' reasons (the Degraded condition's and the Event's reason in the controller). */
export type PreflightReason =
  | 'GatewayNotFound'
  | 'GatewayPortMissing'
  | 'GatewayNotTcp'
  | 'GatewayHostsMismatch'
  | 'HostNotService'
  | 'DestinationPortMismatch'
  | 'DestinationRuleNotFound'
  | 'DestinationRuleHostMismatch'
  | 'SubsetNotFound'
  | 'ServiceNotFound'
  | 'ServicePortMissing'
  | 'ServiceWithoutSelector'
  | 'NoReadyEndpoints'
  | 'ListenerNotAttached'
  | 'ListenerNotFound'
  | 'ListenerNotTcp'
  | 'SharedRoute'
  | 'BackendPortMismatch'
  | 'ProbeUnreachable'
  | 'ProbeUnidentified'
  | 'ProbeProtocolMismatch'
  | 'ProbeNotStable'
  | 'PrometheusUnreachable'
  | 'MetricQueryInvalid'
  | 'VirtualServiceNotFound'
  | 'RouteNotSingleDestination'
  | 'LocalityUnlabelled'
  | 'LocalityOverridden';

export class PreflightError extends Error {
  override readonly name = 'PreflightError';
  constructor(
    /** `Kind namespace/name`, or `probe address HOST:PORT`. */
    readonly object: string,
    readonly field: string,
    readonly problem: string,
    readonly fix: string,
    /** CamelCase reason for the Degraded condition and the Event. */
    readonly reason: PreflightReason,
  ) {
    super(`${object}${field ? ` ${field}` : ''}: ${problem}; ${fix}`);
  }
}

/** What the pre-flight proved so far, for messages that must say which checks passed. */
export type PassedChecks = string[];
