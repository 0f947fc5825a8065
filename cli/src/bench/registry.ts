import type { Benchmark } from "./bench-result.js";
import { epcDecodeBench, gs1ParseBench, readMessageBench } from "./codec-bench.js";
import { drainBench } from "./drain-bench.js";
import { e2eBench } from "./e2e/e2e-bench.js";
import { ledgerBench } from "./ledger-bench.js";
import { opcuaBench } from "./opcua-bench.js";
import { readsBench } from "./reads-bench.js";
import { rfidBench } from "./rfid-bench.js";
import { telemetryBench } from "./telemetry-bench.js";

/** Every benchmark `tally bench` knows, by name. */
export const BENCHMARKS: readonly Benchmark[] = [
  epcDecodeBench,
  gs1ParseBench,
  readMessageBench,
  rfidBench,
  ledgerBench,
  readsBench,
  drainBench,
  telemetryBench,
  opcuaBench,
  e2eBench,
];
