import type { GatewayApiShift } from '../../src/gatewayapi/render.js';
import { exampleObject, shiftFrom, withChanges } from '../spec/examples.js';

/** examples/shift-gateway-api.yaml with changes, resolved. */
export function gatewayApiShift(changes: Record<string, unknown> = {}): GatewayApiShift {
  const shift = shiftFrom(withChanges(exampleObject('shift-gateway-api.yaml'), changes));
  if (shift.spec.provider !== 'gateway-api') throw new Error('not a gateway-api shift');
  return shift as GatewayApiShift;
}
