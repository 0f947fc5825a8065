export { type BulkLedger, bulkEpc, bulkId, fillPostgresLedger, fillSqliteLedger } from "./bench/bulk-ledger.js";
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
  type RunningSystem,
  type RunScenarioOptions,
  runScenario,
  type ScenarioTarget,
  type SystemOptions,
  startSystem,
} from "./system.js";
