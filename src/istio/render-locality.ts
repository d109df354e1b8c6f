/**
 * `render` under strategy locality (issue 14): the VirtualService's tcp route is one destination
 * (the host, no subset: every version's pods are endpoints of the one host cluster), the
 * DestinationRule carries the weights as localityLbSetting.distribute (src/istio/locality-weights.ts),
 * and each version's pods need the label topology.istio.io/locality of their locality.
 */
import { LOCALITY_LABEL, localityLabelValue } from '../spec/resolved-shift.js';
import { distributeTo } from './locality-weights.js';
import { renderDestinationRule, renderGateways, VERSION_LABEL, virtualServiceRouting, type IstioShift } from './render.js';
import type { DestinationRule, IstioGateway, VirtualService } from './types.js';

/** VirtualService whose tcp route sends the port to the host alone; tcpshift never writes it. */
export function renderSingleDestinationVirtualService(shift: IstioShift): VirtualService {
  const { target } = shift.spec;
  return virtualServiceRouting(shift, [{ destination: { host: target.host, port: { number: target.port } } }]);
}

/** The DestinationRule with distribute [{from: "*", to}] for canary weight W, beside the subsets (and keep-alive). */
export function renderLocalityDestinationRule(shift: IstioShift, canaryWeight: number): DestinationRule {
  const rule = renderDestinationRule(shift);
  const loadBalancer = { localityLbSetting: { distribute: [{ from: '*', to: distributeTo(shift.spec, canaryWeight) }] } };
  return { ...rule, spec: { ...rule.spec, trafficPolicy: { ...rule.spec.trafficPolicy, loadBalancer } } };
}

/** Gateway(s), DestinationRule with distribute, single-destination VirtualService. */
export function renderLocalityResources(shift: IstioShift, canaryWeight: number): Array<IstioGateway | DestinationRule | VirtualService> {
  return [...renderGateways(shift), renderLocalityDestinationRule(shift, canaryWeight), renderSingleDestinationVirtualService(shift)];
}

/**
 * The kubectl commands that put each version's locality on its Deployment's pod template and on
 * its running pods (istiod reads a running pod's label change; the template keeps it for new
 * pods, and changing it rolls the Deployment once).
 */
export function localityLabelCommands(shift: IstioShift): string[] {
  const namespace = hostNamespace(shift);
  return [shift.spec.stable, shift.spec.canary].flatMap((version) => {
    const label = `${LOCALITY_LABEL}=${localityLabelValue(version.locality)}`;
    const selector = `${VERSION_LABEL}=${version.subset}`;
    const patch = JSON.stringify({ spec: { template: { metadata: { labels: { [LOCALITY_LABEL]: localityLabelValue(version.locality) } } } } });
    return [
      `kubectl -n ${namespace} label pods -l ${selector} ${label} --overwrite`,
      `kubectl -n ${namespace} get deployments -l ${selector} -o name | xargs -I{} kubectl -n ${namespace} patch {} --type merge -p '${patch}'`,
    ];
  });
}

/** The namespace of the host's Service: the second label of a FQDN, else the shift's namespace. */
function hostNamespace(shift: IstioShift): string {
  const parts = shift.spec.target.host.split('.');
  return parts.length >= 2 && parts[1] !== undefined ? parts[1] : shift.namespace;
}
