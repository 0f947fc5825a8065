export { type BulkLedger, bulkEpc, bulkId, fillPostgresLedger, fillSqliteLedger } from "./bench/bulk-ledger.js";
export { demoSiteWithoutShelves } from "./bench/demo-site-without-shelves.js";
export {
  InfluxUnavailableError,
  type LocalInflux,
  startLocalInflux,
} from "./bench/local-influx.js";
export {
  findPostgresBinaries,
  type LocalPostgres,
  type LocalPostgresOptions,
  startLocalPostgres,
} from "./bench/local-postgres.js";
export {
  BENCH_POSTGRES_PREFIX,
  OWNER_PID_FILE,
  processAlive,
  stopServerWith,
  sweepStalePostgres,
} from "./bench/sweep-stale-postgres.js";
export { startCloudInTempDir, type TempCloud } from "./bench/temp-cloud.js";
export { type RunScenarioOptions, runScenario, type ScenarioTarget } from "./scenario-run.js";
export { type RunningSystem, type SystemOptions, startSystem } from "./system.js";
