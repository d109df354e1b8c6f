import { PLACEHOLDER_PATTERN } from '../spec/metric-checks.js';
import type { LinkPlaceholder } from '../spec/notifications.js';

/** The values of a link template's placeholders for one message (step: counted from 1, empty before the first). */
export type LinkVariables = Record<LinkPlaceholder, string>;

/**
 * The link with each `{{ name }}` replaced by its URL-encoded value. The spec refused any other
 * placeholder, so an unknown one here is a bug and is left as written rather than thrown: a
 * notification never fails a shift.
 */
export function fillLink(template: string, vars: LinkVariables): string {
  return template.replace(PLACEHOLDER_PATTERN, (whole, name: string) => {
    const value = (vars as Record<string, string | undefined>)[name];
    return value === undefined ? whole : encodeURIComponent(value);
  });
}
