import { validateDestinationRuleLocality } from '../../istio/locality-lb-rules.js';
import type { ApiCore } from './api-core.js';

/**
 * The part of istiod's validating webhook (`validation.istio.io`) the sandbox enforces: a
 * DestinationRule's locality load balancing (src/istio/locality-lb-rules.ts). A denial is what
 * the API server answers for a webhook that refuses: 400 BadRequest, `admission webhook
 * "validation.istio.io" denied the request: configuration is invalid: ...` (istio
 * pkg/webhooks/validation/server/server.go `validate`; k8s webhookerrors `ToStatusErr`). Other
 * Istio rules are not enforced here: the gateway emulator treats what istiod would refuse as no route.
 */
export const ISTIO_WEBHOOK_NAME = 'validation.istio.io';

export function enableIstioValidation(core: ApiCore): void {
  core.addHooks('networking.istio.io', 'destinationrules', {
    admit: (next) => {
      const [first] = validateDestinationRuleLocality(next);
      return first && `admission webhook "${ISTIO_WEBHOOK_NAME}" denied the request: configuration is invalid: ${first.message}`;
    },
  });
}
