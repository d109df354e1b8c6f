/** The values a metric query's `{{ name }}` placeholders take for one shift. */
export interface QueryVariables {
  namespace: string;
  service: string;
  stable: string;
  canary: string;
  /** Milliseconds; written as a PromQL duration. */
  intervalMs: number;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** A PromQL duration: whole seconds as `30s`, anything else in milliseconds (PromQL takes no fractions). */
export function promqlDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`;
}

/**
 * The query with its placeholders filled. Values go into PromQL string literals of label
 * matchers, so `"` and `\` are escaped; names the spec accepted are DNS labels and never need it.
 */
export function renderQuery(text: string, vars: QueryVariables): string {
  const values: Record<string, string> = {
    namespace: vars.namespace,
    service: vars.service,
    stable: vars.stable,
    canary: vars.canary,
    interval: promqlDuration(vars.intervalMs),
  };
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`unknown placeholder ${whole}`);
    return value.replace(/[\\"]/g, (c) => `\\${c}`);
  });
}
