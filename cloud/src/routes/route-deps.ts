import type { AlertHub } from "../alerts/alert-hub.js";
import type { EdgeRegistry } from "../ingest/edge-registry.js";
import type { SiteFactsSource } from "../ingest/site-checks.js";
import type { LedgerStore } from "../ledger/ledger-store.js";
import type { ApiTokens } from "../plugins/auth.js";
import type { IngestObserver } from "../plugins/metrics.js";

/** What route plugins are given: the ledger, the alert fan-out and the API tokens. */
export interface RouteDeps {
  store: LedgerStore;
  alerts: AlertHub;
  tokens: ApiTokens;
  /** Where ingest reports what it did (metrics); none in tests that do not look. */
  ingestObserver?: IngestObserver | undefined;
  /** The edges' sequence numbers and identities, shared with MQTT ingest. */
  edges: EdgeRegistry;
  /** The sites' layouts and item master that ingested events are checked against. */
  siteFacts: SiteFactsSource;
}
