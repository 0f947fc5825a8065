import type { Benchmark } from "./bench-result.js";
import { epcDecodeBench, readMessageBench } from "./codec-bench.js";

/** Every benchmark `tally bench` knows, by name. */
export const BENCHMARKS: readonly Benchmark[] = [epcDecodeBench, readMessageBench];
