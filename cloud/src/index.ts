export { type EmbeddedBroker, type EmbeddedBrokerOptions, startAedesBroker } from "./adapters/aedes-broker.js";
export { createLedgerStore, type LedgerStoreOptions, sqliteLedgerFile } from "./adapters/create-ledger-store.js";
export {
  type MqttIngest,
  type MqttIngestOptions,
  type MqttIngestStats,
  startMqttIngest,
} from "./adapters/mqtt-ingest.js";
export { Alert, AlertSeverity, AlertStatus } from "./alerts/alert.js";
export { AlertHub, type AlertListener } from "./alerts/alert-hub.js";
export { type AlertChange, applyCondition } from "./alerts/apply-condition.js";
export { type AppDeps, buildApp } from "./app.js";
export { type CloudConfig, type CloudMqttConfig, loadCloudConfig } from "./config.js";
export { decodeBatch, parseEdgeBatch } from "./ingest/decode-batch.js";
export { type IngestDeps, ingestBatch, rejectBatch } from "./ingest/ingest-batch.js";
export type {
  AlertQuery,
  CommitMeta,
  CommitResult,
  LedgerStore,
  LedgerTask,
  MovementQuery,
  Position,
  StockQuery,
  StoreKind,
  TaskStatus,
} from "./ledger/ledger-store.js";
export { Problem } from "./plugins/problem-details.js";
export { type CloudOptions, type RunningCloud, startCloud } from "./start-cloud.js";
