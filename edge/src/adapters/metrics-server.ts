import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { EdgeMetrics } from "../metrics.js";

export interface EdgeMetricsServer {
  /** `http://host:port/metrics` */
  url: string;
  /** Records one acknowledgement's latency, from a batch's (last) send to its commit acknowledgement, ms. */
  observeAckLatency(ms: number): void;
  close(): Promise<void>;
}

/**
 * The edge's Prometheus metrics, at `GET /metrics`: outbox depth, bytes and
 * oldest age, what was shed, send and acknowledgement counts and latency,
 * dead letters by code, messages and observations. Read from the edge's
 * counters at each scrape.
 */
export async function startMetricsServer(options: {
  host: string;
  port: number;
  metrics: () => EdgeMetrics;
  /** Age of the oldest event waiting in the outbox, ms; undefined when empty. */
  oldestAgeMs: () => Promise<number | undefined>;
  logger: Logger;
}): Promise<EdgeMetricsServer> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "tally_edge_process_" });
  const snapshot = () => options.metrics();
  // Totals kept by the edge, exposed as counters set at scrape time.
  const counter = (name: string, help: string, read: (m: EdgeMetrics) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(snapshot()));
      },
    });
  const gauge = (name: string, help: string, read: (m: EdgeMetrics) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read(snapshot()));
      },
    });
  counter("tally_edge_messages_received_total", "Device messages received", (m) => m.messagesReceived);
  counter("tally_edge_observations_total", "Observations decoded from device messages", (m) => m.observations);
  counter("tally_edge_events_queued_total", "Events put in the outbox", (m) => m.eventsQueued);
  counter("tally_edge_batches_sent_total", "Batches sent to the cloud (resends included)", (m) => m.uplink.batchesSent);
  gauge(
    "tally_edge_uplink_batches_in_flight",
    "Batches sent to the cloud and not yet acknowledged (at most TALLY_UPLINK_WINDOW)",
    (m) => m.uplink.batchesInFlight ?? 0,
  );
  counter("tally_edge_resends_total", "Batches sent again for want of an acknowledgement", (m) => m.uplink.resends);
  counter(
    "tally_edge_events_acknowledged_total",
    "Events the cloud acknowledged as committed",
    (m) => m.uplink.eventsCommitted,
  );
  counter(
    "tally_edge_duplicates_absorbed_total",
    "Events the cloud already had (resends absorbed)",
    (m) => m.uplink.eventsDuplicate,
  );
  counter("tally_edge_events_rejected_total", "Events the cloud refused for good", (m) => m.uplink.eventsRejected);
  counter(
    "tally_edge_acks_unmatched_total",
    "Acknowledgements for a batch this edge did not send (nothing applied)",
    (m) => m.uplink.acksUnmatched,
  );
  counter(
    "tally_edge_ack_ids_forged_total",
    "Event ids an acknowledgement named that its batch did not hold (forged, ignored)",
    (m) => m.uplink.ackIdsForged,
  );
  counter(
    "tally_edge_opcua_shelf_refusals_total",
    "OPC-UA shelf connection attempts refused or connections lost (each is retried)",
    (m) => m.opcuaShelfRefusals,
  );
  counter("tally_edge_reader_overflows_total", "Reader notices that reads were lost", (m) => m.readerOverflows);
  gauge("tally_edge_outbox_depth", "Events waiting in the outbox", (m) => m.outboxDepth);
  gauge(
    "tally_edge_outbox_write_failures",
    "Outbox writes that failed (events kept in memory and retried)",
    (m) => m.outboxWriteFailures,
  );
  gauge("tally_edge_journal_replayed", "Device messages replayed from the journal at start", (m) => m.journalReplayed);
  gauge(
    "tally_edge_reference_as_of_seconds",
    "When the cloud made the reference data in use, Unix seconds (0: the site file's items only)",
    (m) => (m.referenceAsOf === undefined ? 0 : Date.parse(m.referenceAsOf) / 1000),
  );
  gauge(
    "tally_edge_reference_confirmed_seconds",
    "When the cloud last confirmed the reference data in use, Unix seconds (0: not since the edge started)",
    (m) => (m.referenceConfirmedAt === undefined ? 0 : Date.parse(m.referenceConfirmedAt) / 1000),
  );
  gauge("tally_edge_outbox_bytes", "Bytes waiting in the outbox", (m) => m.outbox.bytes);
  gauge("tally_edge_outbox_max_bytes", "The outbox's bound in bytes (0: unbounded)", (m) => m.outbox.maxBytes ?? 0);
  new Counter({
    name: "tally_edge_dead_letters_total",
    help: "Device messages refused, by error code",
    labelNames: ["code"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(snapshot().deadLetters)) this.inc({ code }, n);
    },
  });
  new Gauge({
    name: "tally_edge_reader_clock_offset_seconds",
    help: "Each RFID reader's clock minus the edge's (plus the shortest delivery delay), by device",
    labelNames: ["device"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [device, clock] of Object.entries(snapshot().readerClocks))
        this.set({ device }, clock.offsetMs / 1000);
    },
  });
  new Gauge({
    name: "tally_edge_reader_clock_corrected",
    help: "1 while an RFID reader's read times are put on the edge's clock (its own is off past the tolerance)",
    labelNames: ["device"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [device, clock] of Object.entries(snapshot().readerClocks)) {
        this.set({ device }, clock.correcting ? 1 : 0);
      }
    },
  });
  new Counter({
    name: "tally_edge_opcua_values_refused_total",
    help: "OPC-UA values that were not weights (Bad or Uncertain status, not a number), by shelf and status",
    labelNames: ["shelf", "status"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [shelf, byStatus] of Object.entries(snapshot().opcuaValuesRefused)) {
        for (const [status, n] of Object.entries(byStatus)) this.inc({ shelf, status }, n);
      }
    },
  });
  new Gauge({
    name: "tally_edge_opcua_bad_bins",
    help: "OPC-UA shelf bins without a good weight now, by shelf",
    labelNames: ["shelf"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [shelf, n] of Object.entries(snapshot().opcuaBadBins)) this.set({ shelf }, n);
    },
  });
  new Gauge({
    name: "tally_edge_opcua_monitored_bins",
    help: "OPC-UA shelf bins monitored now, by shelf (0 while the shelf is not connected)",
    labelNames: ["shelf"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [shelf, n] of Object.entries(snapshot().opcuaMonitoredBins)) this.set({ shelf }, n);
    },
  });
  new Counter({
    name: "tally_edge_mqtt_refused_total",
    help: "What the device broker refused (connections, publishes, subscriptions, oversize packets), by reason",
    labelNames: ["reason"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(snapshot().mqttRefused)) this.inc({ reason }, n);
    },
  });
  counter(
    "tally_edge_mqtt_rate_limited_total",
    "Device publishes held back because their client was past its rate limit",
    (m) => m.mqttRateLimited,
  );
  new Counter({
    name: "tally_edge_temperature_readings_late_total",
    help: "Temperature readings left out as older than what a stage had already taken (device time), by stage",
    labelNames: ["stage"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [stage, n] of Object.entries(snapshot().temperatureReadingsLate)) this.inc({ stage }, n);
    },
  });
  new Counter({
    name: "tally_edge_events_dead_lettered_total",
    help: "Events the cloud refused for good, kept as dead letters, by error code",
    labelNames: ["code"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(snapshot().uplink.eventsDeadLettered)) this.inc({ code }, n);
    },
  });
  gauge(
    "tally_edge_dead_letters_kept",
    "Dead letters (refused events) the outbox keeps",
    (m) => m.eventDeadLetters.count,
  );
  counter(
    "tally_edge_dead_letters_dropped_total",
    "Oldest dead letters dropped to keep their bound",
    (m) => m.eventDeadLetters.dropped,
  );
  new Counter({
    name: "tally_edge_outbox_shed_total",
    help: "Events dropped to keep the outbox under its bound, by kind",
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(snapshot().outbox.shed)) this.inc({ kind }, n);
    },
  });
  new Gauge({
    name: "tally_edge_outbox_oldest_age_seconds",
    help: "Age of the oldest event waiting in the outbox (0 when empty)",
    registers: [registry],
    async collect() {
      this.set(((await options.oldestAgeMs()) ?? 0) / 1000);
    },
  });
  const ackLatency = new Histogram({
    name: "tally_edge_ack_latency_seconds",
    help: "From sending a batch to the cloud's commit acknowledgement",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  const server: Server = createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: unknown) => {
        options.logger.warn({ err: (error as Error).message }, "metrics scrape failed");
        response.writeHead(500, { "content-type": "text/plain" }).end("metrics failed\n");
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host}:${port}/metrics`,
    observeAckLatency: (ms) => ackLatency.observe(ms / 1000),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
