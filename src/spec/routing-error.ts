/**
 * An existing routing object (VirtualService, TCPRoute) cannot be shifted as asked: no owned
 * route, several candidates, an unknown destination carrying traffic, an invalid weight, ...
 * `path` names the field (`spec.tcp[1].route`), '' for the object itself. Not retryable: the
 * object or the TCPShift must change.
 */
export class RoutingError extends Error {
  override readonly name = 'RoutingError';
  constructor(
    message: string,
    readonly path = '',
  ) {
    super(path === '' ? message : `${path}: ${message}`);
  }
}
