import type { CommitAck } from "@tally/protocols";
import type { FastifyPluginAsync } from "fastify";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { EdgeRegistry } from "../ingest/edge-registry.js";

/** How an ingest transport reports what it did, for the metrics. */
export interface IngestObserver {
  ingested(ack: CommitAck, commitSeconds: number, transport: IngestTransport): void;
  failed(transport: IngestTransport): void;
  /** Something refused for security: a forged batch or ack, a failed authentication, a refused subscription. */
  refused(where: IngestTransport | "broker", refusal: string): void;
  /**
   * A batch arrived before the batch it names as `after` (held), found it committed by another cloud instance
   * in the ledger (found), or gave up waiting for it (expired).
   */
  orderHeld?(outcome: "held" | "found" | "expired"): void;
  /** Asking the ledger whether a batch named as `after` committed failed (the batch stays held). */
  orderLookupFailed?(): void;
}
export type IngestTransport = "mqtt" | "http";

/** Why the API refused a caller: no or unknown credential, wrong role or site, throttled, rate limited, a forged batch. */
export type RefusalReason = "missing" | "unknown" | "role" | "site" | "throttled" | "rate-limited" | "forged";

/** How the API's security checks report refusals, for the metrics. */
export interface SecurityObserver {
  refused(reason: RefusalReason): void;
}

/** The cloud's Prometheus metrics: a registry, the ingest observer that feeds it, and the `/metrics` route. */
export interface CloudMetrics {
  registry: Registry;
  observer: IngestObserver;
  security: SecurityObserver;
  route: FastifyPluginAsync;
}

export function createCloudMetrics(edges?: EdgeRegistry): CloudMetrics {
  const registry = new Registry();
  if (edges !== undefined) {
    new Gauge({
      name: "tally_cloud_edge_seq_gaps",
      help: "Batch sequence numbers skipped, summed over edges (batches that never arrived)",
      registers: [registry],
      collect() {
        this.set(edges.totalSeqGaps());
      },
    });
    new Gauge({
      name: "tally_cloud_edges_quarantined",
      help: "Edges whose batches are refused because two processes send under their id",
      registers: [registry],
      collect() {
        this.set(edges.list().filter((e) => e.quarantine !== undefined).length);
      },
    });
  }
  collectDefaultMetrics({ register: registry, prefix: "tally_cloud_process_" });
  const batches = new Counter({
    name: "tally_cloud_batches_total",
    help: "Edge batches ingested, by transport and acknowledgement status",
    labelNames: ["transport", "status"],
    registers: [registry],
  });
  const committed = new Counter({
    name: "tally_cloud_events_committed_total",
    help: "Events newly committed to the ledger",
    registers: [registry],
  });
  const duplicates = new Counter({
    name: "tally_cloud_duplicates_absorbed_total",
    help: "Events acknowledged as already committed (resends absorbed by idempotent ingest)",
    registers: [registry],
  });
  const rejected = new Counter({
    name: "tally_cloud_events_rejected_total",
    help: "Events refused, by error code",
    labelNames: ["code"],
    registers: [registry],
  });
  const failures = new Counter({
    name: "tally_cloud_commit_failures_total",
    help: "Batches whose commit failed (no acknowledgement; the edge resends)",
    labelNames: ["transport"],
    registers: [registry],
  });
  const commitSeconds = new Histogram({
    name: "tally_cloud_commit_seconds",
    help: "Time to commit one batch to the ledger",
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const securityRefusals = new Counter({
    name: "tally_cloud_security_refusals_total",
    help: "Refused for security, by where (broker, mqtt ingest, http ingest) and why (auth-failed, forged-batch, forged-ack, ...)",
    labelNames: ["where", "refusal"],
    registers: [registry],
  });
  const held = new Counter({
    name: "tally_cloud_batches_held_total",
    help: "Batches that arrived before the batch they name as after (held), found it committed by another cloud instance in the ledger (found), and those left unacknowledged when it did not commit in time (expired)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const lookupFailures = new Counter({
    name: "tally_cloud_batch_lookup_failures_total",
    help: "Failed ledger lookups of whether the batch another names as after committed (that batch stays held)",
    registers: [registry],
  });
  const observer: IngestObserver = {
    ingested: (ack, seconds, transport) => {
      batches.inc({ transport, status: ack.status });
      // Readings sent as columns are counted, not listed: each taken counts as committed.
      committed.inc(ack.committed.length + (ack.readings?.committed ?? 0));
      duplicates.inc(ack.duplicates.length);
      for (const r of ack.rejected) rejected.inc({ code: r.code });
      commitSeconds.observe(seconds);
    },
    failed: (transport) => failures.inc({ transport }),
    refused: (where, refusal) => securityRefusals.inc({ where, refusal }),
    orderHeld: (outcome) => held.inc({ outcome }),
    orderLookupFailed: () => lookupFailures.inc(),
  };
  const refusals = new Counter({
    name: "tally_cloud_api_refused_total",
    help: "API requests refused by authentication, authorization or rate limits, by reason",
    labelNames: ["reason"],
    registers: [registry],
  });
  const security: SecurityObserver = { refused: (reason) => refusals.inc({ reason }) };
  const route: FastifyPluginAsync = async (app) => {
    app.get(
      "/metrics",
      { schema: { hide: true }, config: { policy: { roles: ["viewer"], site: "all" } } },
      async (_request, reply) => {
        reply.type(registry.contentType);
        return registry.metrics();
      },
    );
  };
  return { registry, observer, security, route };
}
