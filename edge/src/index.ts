export { type EmbeddedBroker, startEmbeddedBroker } from "./adapters/aedes-broker.js";
export { MemoryOutbox } from "./adapters/memory-outbox.js";
export { connectMqttDeviceSource, type MqttDeviceSource } from "./adapters/mqtt-device-source.js";
export { type OpcuaClientPki, prepareOpcuaClientPki } from "./adapters/opcua-client-pki.js";
export {
  listOpcuaCertificates,
  type OpcuaCertificateEntry,
  OpcuaPkiError,
  trustOpcuaCertificate,
} from "./adapters/opcua-pki-store.js";
export { DEFAULT_OPCUA_SAMPLING, FALLBACK_ITEMS_PER_CALL } from "./adapters/opcua-sampling.js";
export type { OpcuaShelfOptions, OpcuaShelfSource } from "./adapters/opcua-shelf-source.js";
export { connectOpcuaShelf } from "./adapters/opcua-shelves.js";
export {
  DeviceCredentialsError,
  putDeviceCredential,
  readDeviceCredentialsFile,
} from "./adapters/security/device-credentials-file.js";
export { hashPassword, newDevicePassword, verifyPassword } from "./adapters/security/scrypt-password.js";
export { type DeadLetterListing, readDeadLetters } from "./adapters/sqlite-dead-letters.js";
export { SqliteJournal } from "./adapters/sqlite-journal.js";
export { BATCH_SEQ_BLOCK, SqliteOutbox } from "./adapters/sqlite-outbox.js";
export {
  DEFAULT_DEVICE_MAX_MSG_RATE,
  DEFAULT_DEVICE_MAX_PACKET_BYTES,
  type EdgeConfig,
  loadEdgeConfig,
} from "./config.js";
export { decodeDeviceMessage } from "./domain/decode-device-message.js";
export { DeviceAcl, type DeviceIdentity, type MqttRefusal } from "./domain/device-acl.js";
export { type EdgeMode, isLoopback } from "./domain/device-broker-policy.js";
export { mosquittoAcl } from "./domain/mosquitto-acl.js";
export type { Observation } from "./domain/observation.js";
export { indexSite, type SiteIndex } from "./domain/site-index.js";
export { EdgeStartError } from "./edge-start-error.js";
export type { EdgeMetrics } from "./metrics.js";
export {
  DEFAULT_PIPELINE_CONFIG,
  type EdgePipelineConfig,
  edgePipeline,
  pipelineSettleMs,
} from "./pipelines/edge-pipeline.js";
export type { DeviceJournal, JournalEntry } from "./ports/device-journal.js";
export type { DeviceSource, DeviceSourceMetrics } from "./ports/device-source.js";
export type { DeadLetteredEvent, DeadLetterUsage, EventRefusal, Outbox } from "./ports/outbox.js";
export { type EdgeOptions, type RunningEdge, startEdge } from "./start-edge.js";
export { outboxPlatter } from "./testing/outbox-platter.js";
