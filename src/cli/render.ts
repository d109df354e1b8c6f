import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { renderTcpRoute, type GatewayApiShift } from '../gatewayapi/render.js';
import { renderIstioResources, type IstioShift } from '../istio/render.js';
import { localityLabelCommands, renderLocalityResources } from '../istio/render-locality.js';
import type { ResolvedShift } from '../spec/resolved-shift.js';
import { CANARY_WEIGHT_HELP } from '../spec/weighted-route.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { CliContext } from './io.js';
import { readShiftFile } from './spec-file.js';

const EXAMPLES = `
Examples:
  # Istio Gateway, DestinationRule and VirtualService sending 20% of new connections to the canary
  $ tcpshift render -f examples/shift.yaml --weight 20

  # The same as a kubectl List, applied to the cluster
  $ tcpshift render -f examples/shift.yaml --weight 20 -o json | kubectl apply -f -

  # Gateway API: the TCPRoute fully on the canary
  $ tcpshift render -f examples/shift-gateway-api.yaml --weight 100

  # Strategy locality (drain-free): single-destination VirtualService, DestinationRule with
  # localityLbSetting.distribute, and the kubectl commands that label each version's pods
  $ tcpshift render -f examples/shift.yaml --weight 20 --strategy locality

  # The spec from stdin (-f -; files and stdin: at most 256 KiB)
  $ sed 's/bake: 60s/bake: 2m/' examples/shift.yaml | tcpshift render -f - --weight 20

Exit codes: 0 printed, 2 invalid file, field or flag (the message names it; nothing is printed).
`;

/** The routing objects of a shift at canary weight W (0..100), in apply order. */
export function renderRoutingResources(shift: ResolvedShift, canaryWeight: number): unknown[] {
  if (shift.spec.provider === 'istio') {
    return shift.spec.strategy === 'locality' ? renderLocalityResources(shift as IstioShift, canaryWeight) : renderIstioResources(shift as IstioShift, canaryWeight);
  }
  return [renderTcpRoute(shift as GatewayApiShift, canaryWeight)];
}

/** The shift with --strategy applied (istio only: gateway-api has no DestinationRule). */
function withStrategy(shift: ResolvedShift, strategy: 'route' | 'locality' | undefined): ResolvedShift {
  if (strategy === undefined) return shift;
  if (shift.spec.provider !== 'istio') throw new UsageError(`--strategy ${strategy}: only spec.provider istio has strategies (gateway-api shifts its TCPRoute's backendRefs)`);
  return { ...shift, spec: { ...shift.spec, strategy } };
}

/** Under strategy locality, what labels each version's pods, as text for a YAML comment or stderr. */
function labelInstructions(shift: ResolvedShift): string {
  if (shift.spec.provider !== 'istio' || shift.spec.strategy !== 'locality') return '';
  const lines = [
    `strategy locality: label each version's pods with its locality (${shift.spec.stable.subset}: ${shift.spec.stable.locality}, ${shift.spec.canary.subset}: ${shift.spec.canary.locality});`,
    'pods without one of the two are dropped from the gateway once distribute exists. Patching the template rolls each Deployment once.',
    ...localityLabelCommands(shift as IstioShift),
  ];
  return lines.map((line) => `# ${line}\n`).join('');
}

function parseWeight(text: string): number {
  if (!/^\d{1,3}$/.test(text) || Number(text) > 100) throw new UsageError(`--weight: '${text}' is not ${CANARY_WEIGHT_HELP}`);
  return Number(text);
}

/** yaml: documents separated by `---`; json: a kubectl-style `v1 List`. */
export function formatResources(resources: unknown[], output: 'yaml' | 'json'): string {
  if (output === 'json') return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: resources }, null, 2)}\n`;
  return resources.map((r) => stringify(r, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

export function renderVerb(ctx: CliContext): Command {
  return new Command('render')
    .description('Print the routing resources for canary weight W (istio: Gateway, DestinationRule, VirtualService; gateway-api: TCPRoute).')
    .requiredOption('-f, --file <path>', 'TCPShift file (YAML or JSON, one document; - reads stdin)')
    .requiredOption('--weight <W>', `canary weight, ${CANARY_WEIGHT_HELP}; the stable version gets 100-W`)
    .addOption(new Option('-o, --output <format>', 'yaml (multi-document) or json (a v1 List)').choices(['yaml', 'json']).default('yaml'))
    .addOption(new Option('--strategy <strategy>', 'istio: route (VirtualService weights) or locality (DestinationRule distribute, drain-free); default spec.strategy').choices(['route', 'locality']))
    .addHelpText('after', EXAMPLES)
    .action(async (options: { file: string; weight: string; output: 'yaml' | 'json'; strategy?: 'route' | 'locality' }) => {
      const weight = parseWeight(options.weight);
      const shift = withStrategy((await readShiftFile(options.file, ctx)).shift, options.strategy);
      const labels = labelInstructions(shift);
      ctx.stdout.write(formatResources(renderRoutingResources(shift, weight), options.output));
      // -o json: stdout carries only the List, so the label commands go to stderr.
      if (labels) (options.output === 'json' ? ctx.stderr : ctx.stdout).write(labels);
      ctx.setExitCode(ExitCode.Ok);
    });
}
