/** What one benchmark reports: one JSON object per line with `tally bench --json`. */
export interface BenchResult {
  name: string;
  /** What `value` counts, e.g. "decodes/s". */
  unit: string;
  value: number;
  /** The same measure of a simpler reference, taken in the same run. */
  baseline?: number;
  /** value / baseline. */
  ratio?: number;
  /** Anything else worth reading (sizes, counts, variants). */
  details?: Record<string, unknown>;
}

/** What `tally bench` passes on to a benchmark from its options. */
export interface BenchOptions {
  /** `--influx-url http://host:port`: an InfluxDB 1.x to use instead of a throwaway local influxd. */
  influxUrl?: string | undefined;
  /** `--postgres`: the ledger in a throwaway local PostgreSQL instead of the embedded SQLite (e2e); reads: PostgreSQL as well as SQLite. */
  postgres?: boolean | undefined;
  /** `--sizes 10000,100000`: the message counts of a scale curve (e2e: scans). */
  sizes?: number[] | undefined;
  /** `--rate 2000`: the offered rate of a latency measurement, messages/s (e2e); reads: PostgreSQL as well as SQLite. */
  rate?: number | undefined;
  /** `--window 100`: publishes a device keeps awaiting their PUBACK, at most (e2e; default 100). */
  window?: number | undefined;
  /** `--cases scans,latency`: the cases to run (e2e), all when absent. */
  cases?: string | undefined;
}

export interface Benchmark {
  name: string;
  description: string;
  run(options?: BenchOptions): Promise<BenchResult[]>;
}

/** Runs `fn` over `items` repeatedly for at least `minMs` and returns items per second. */
export function throughput<T>(items: readonly T[], fn: (item: T) => unknown, minMs = 1000): number {
  // Warm up so the JIT has compiled the hot path before timing.
  for (let i = 0; i < Math.min(items.length, 10_000); i++) fn(items[i % items.length] as T);
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < minMs) {
    for (const item of items) fn(item);
    done += items.length;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (done / elapsedMs) * 1000;
}

/** Attaches a baseline and the ratio value / baseline, rounding for display. */
export function withBaseline(result: Omit<BenchResult, "baseline" | "ratio">, baseline: number): BenchResult {
  return {
    ...result,
    value: Math.round(result.value),
    baseline: Math.round(baseline),
    ratio: Number((result.value / baseline).toFixed(3)),
  };
}
