/**
 * A benchmark suite: one block of bench/results/latest.json (DESIGN section 6) and its rows in
 * docs/benchmarks.md. Suites live in bench/suites/<key>.ts and export `suite`.
 */
export interface BenchOptions {
  /** Smaller counts, same bounds: the whole run stays under five minutes. */
  quick: boolean;
  log(line: string): void;
}

export interface BenchRow {
  metric: string;
  value: string;
  target: string;
  /** undefined when the row is informative only. */
  pass?: boolean;
}

export interface BenchResult {
  /** The JSON block, e.g. {connections, heartbeatMs, timeoutMs, p50Ms, maxMs}. */
  block: Record<string, number | string | boolean | null>;
  rows: BenchRow[];
}

export interface BenchSuite {
  /** Key of the block in latest.json: detection, capacity, newConnections, ... */
  key: string;
  title: string;
  run(options: BenchOptions): Promise<BenchResult>;
}
