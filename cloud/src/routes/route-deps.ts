import type { AlertHub } from "../alerts/alert-hub.js";
import type { Credentials } from "../auth/credentials.js";
import type { BatchOrder } from "../ingest/batch-order.js";
import type { EdgeRegistry } from "../ingest/edge-registry.js";
import type { SiteFactsSource } from "../ingest/site-checks.js";
import type { UnknownSiteWatch } from "../ingest/unknown-site-watch.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import type { IngestObserver, SecurityObserver } from "../plugins/metrics.js";
import type { TaskDuePolicy } from "../tasks/task-due.js";
import type { TelemetryStore } from "../telemetry/telemetry-store.js";

/** What route plugins are given: the ledger, the alert fan-out and the credentials. */
export interface RouteDeps {
  store: LedgerStore;
  /** Where `GET /v1/telemetry` reads; none: that route answers 503. */
  telemetry?: TelemetryStore | undefined;
  alerts: AlertHub;
  /** Token checks (the tokens routes forget a revoked token at once). */
  credentials: Credentials;
  /** Where ingest reports what it did (metrics); none in tests that do not look. */
  ingestObserver?: IngestObserver | undefined;
  /** Where refusals are counted (metrics). */
  securityObserver?: SecurityObserver | undefined;
  /** The edges' sequence numbers and identities, shared with MQTT ingest. */
  edges: EdgeRegistry;
  /** Commits each edge's batches in the order it sent them, shared with MQTT ingest. */
  order?: BatchOrder | undefined;
  /** The sites' layouts and item master that ingested events are checked against. */
  siteFacts: SiteFactsSource;
  /** Told of batches for a site without a layout (log and alert). */
  unknownSites?: UnknownSiteWatch | undefined;
  /** Due times of correction tasks per type; `DEFAULT_TASK_DUE` without. */
  taskDue?: TaskDuePolicy | undefined;
}
