import type { IstioShift } from '../../src/istio/render.js';
import { exampleObject, shiftFrom, withChanges } from '../spec/examples.js';

/** examples/shift.yaml with changes ('spec.target.port': 8000, ...), resolved. */
export function istioShift(changes: Record<string, unknown> = {}): IstioShift {
  const shift = shiftFrom(withChanges(exampleObject('shift.yaml'), changes));
  if (shift.spec.provider !== 'istio') throw new Error('not an istio shift');
  return shift as IstioShift;
}

/** The TCPShift that describes Istio's tcp-echo sample (samples/tcp-echo). */
export function tcpEchoShift(): IstioShift {
  return istioShift({
    metadata: { name: 'tcp-echo' },
    'spec.target': {
      virtualService: 'tcp-echo',
      destinationRule: 'tcp-echo-destination',
      host: 'tcp-echo',
      port: 9000,
      matchPort: 31400,
      gateways: ['tcp-echo-gateway'],
    },
  });
}
