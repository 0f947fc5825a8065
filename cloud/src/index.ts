export { type EmbeddedBroker, type EmbeddedBrokerOptions, startAedesBroker } from "./adapters/aedes-broker.js";
export { createLedgerStore, type LedgerStoreOptions, sqliteLedgerFile } from "./adapters/create-ledger-store.js";
export {
  DEFAULT_INFLUX_RETENTION,
  type InfluxRetention,
  InfluxTelemetryStore,
  type InfluxTelemetryStoreOptions,
  TelemetryUnavailableError,
} from "./adapters/influx-telemetry-store.js";
export {
  type MqttIngest,
  type MqttIngestOptions,
  type MqttIngestStats,
  startMqttIngest,
} from "./adapters/mqtt-ingest.js";
export type { ReadObserver } from "./adapters/observed-reads.js";
export { MOVEMENT_COLUMNS, movementColumnValues } from "./adapters/sql-movement-inserts.js";
export { SqliteTelemetryStore } from "./adapters/sqlite-telemetry-store.js";
export {
  Alert,
  type AlertEvent,
  AlertKind,
  AlertSeverity,
  AlertStatus,
  AlertTimelineEntry,
  StockAlertKind,
} from "./alerts/alert.js";
export { type AlertCause, applyCauses } from "./alerts/alert-cause.js";
export { AlertHub, type AlertListener } from "./alerts/alert-hub.js";
export { AlertPolicy, AlertPolicyDocument, AlertPolicyError } from "./alerts/alert-policy.js";
export { conditionCause } from "./alerts/apply-condition.js";
export { type AppDeps, buildApp } from "./app.js";
export { type BootstrapToken, Credentials, parseBootstrapTokens } from "./auth/credentials.js";
export { type IssueResult, issueToken, type TokenRequest } from "./auth/issue-token.js";
export { ANONYMOUS_VIEWER, type Principal, principalCovers } from "./auth/principal.js";
export { Role, roleAllows } from "./auth/role.js";
export type { AuditEntry, SecurityStore, StoredToken } from "./auth/security-store.js";
export { hashSecret, newToken, parseToken } from "./auth/token-secret.js";
export { type CloudConfig, type CloudMqttConfig, isLoopbackHost, loadCloudConfig } from "./config.js";
export {
  closeExcursion,
  type ExcursionFact,
  excursionFact,
  excursionId,
  mergeExcursion,
} from "./excursions/excursion-from-condition.js";
export { ExcursionRecord, StockAtRisk } from "./excursions/excursion-record.js";
export type { ExcursionPolicy, ExcursionQuery, ExcursionStore } from "./excursions/excursion-store.js";
export { stockAtRisk, type ZoneMovement } from "./excursions/stock-at-risk.js";
export { decodeBatch, parseEdgeBatch } from "./ingest/decode-batch.js";
export { type IngestDeps, ingestBatch, rejectBatch } from "./ingest/ingest-batch.js";
export {
  checkAgainstSite,
  DEFAULT_TIME_WINDOW,
  type SiteFacts,
  type SiteFactsSource,
  type TimeWindow,
} from "./ingest/site-checks.js";
export { SiteFactsCache } from "./ingest/site-facts.js";
export { type CountPolicy, REVIEW_EVERY_COUNT } from "./ledger/count-outcome.js";
export type {
  AlertQuery,
  CommitMeta,
  CommitResult,
  ConflictRecord,
  CountRecord,
  ExpectedKind,
  ExpectedQuery,
  HistoryQuery,
  LedgerStore,
  LedgerTask,
  MovementQuery,
  PageQuery,
  Position,
  PutResult,
  SentBatch,
  SiteImport,
  StockQuery,
  StockTotals,
  StoreKind,
  TaskChange,
  TaskQuery,
  TaskStore,
} from "./ledger/ledger-store.js";
export { storedBody } from "./ledger/stored-movement.js";
export { mosquittoAclForEdges } from "./mosquitto-acl.js";
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./notifications/backoff.js";
export { enqueueAlertEvents } from "./notifications/enqueue-alert-events.js";
export { DEFAULT_GROUPING, type GroupingOptions } from "./notifications/group-events.js";
export type {
  Delivery,
  DeliveryAttempt,
  DeliveryStatus,
  NotificationStore,
} from "./notifications/notification-store.js";
export {
  type AttemptOutcome,
  DELIVERY_ID_HEADER,
  Notifier,
  type NotifierObserver,
  type NotifierOptions,
  type Schedule,
  type TickResult,
} from "./notifications/notifier.js";
export { notifierMetrics } from "./notifications/notifier-metrics.js";
export { planDeliveries } from "./notifications/plan-deliveries.js";
export {
  DEFAULT_SIGNATURE_TOLERANCE_S,
  SIGNATURE_HEADER,
  type SignatureCheck,
  signWebhook,
  verifyWebhookSignature,
} from "./notifications/sign-webhook.js";
export { Webhook, WebhookFilters, WebhookFormat } from "./notifications/webhook.js";
export { type ApiLimits, DEFAULT_API_LIMITS } from "./plugins/api-limits.js";
export type { ApiMode, RoutePolicy } from "./plugins/authenticate.js";
export { type CloudMetrics, createCloudMetrics } from "./plugins/metrics.js";
export { Problem } from "./plugins/problem-details.js";
export { CloudStartError, cloudSecurityProblems, type SecurityProblem } from "./security-check.js";
export { type CloudOptions, type RunningCloud, startCloud } from "./start-cloud.js";
export { DEFAULT_TASK_DUE, dueAt, dueMinutes, parseTaskDue, TaskDuePolicy } from "./tasks/task-due.js";
export { checkTelemetryPoint } from "./telemetry/check-telemetry-point.js";
export {
  checkTelemetryQuery,
  MAX_BUCKETS_PER_SERIES,
  MAX_RAW_RANGE_MS,
  MAX_TELEMETRY_POINTS,
  type TelemetryQueryInput,
} from "./telemetry/check-telemetry-query.js";
export {
  DEFAULT_MAX_PENDING_TELEMETRY,
  TelemetryForwarder,
  type TelemetryForwarderOptions,
  telemetryPoint,
} from "./telemetry/telemetry-forwarder.js";
export type {
  RawReading,
  RejectedPoint,
  TelemetryPoint,
  TelemetryQuery,
  TelemetryResult,
  TelemetryStore,
  TelemetryWindow,
  WindowReading,
  WriteResult,
} from "./telemetry/telemetry-store.js";
