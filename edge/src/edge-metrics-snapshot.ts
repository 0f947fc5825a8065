import type { ReferenceDataSync } from "./adapters/http-reference-data.js";
import type { OpcuaShelfSource } from "./adapters/opcua-shelf-source.js";
import type { EdgeMetrics } from "./metrics.js";
import type { Outbox } from "./ports/outbox.js";
import type { UplinkSender } from "./uplink/uplink-sender.js";

/** The edge's own counters, counted in place while it runs. */
export type EdgeCounters = Pick<
  EdgeMetrics,
  | "messagesReceived"
  | "observations"
  | "deadLetters"
  | "eventsQueued"
  | "readerOverflows"
  | "outboxWriteFailures"
  | "journalReplayed"
  | "mqttRefused"
  | "mqttRateLimited"
  | "temperatureReadingsLate"
  | "readerClocks"
>;

export function newEdgeCounters(): EdgeCounters {
  return {
    messagesReceived: 0,
    observations: 0,
    deadLetters: {},
    eventsQueued: 0,
    readerOverflows: 0,
    outboxWriteFailures: 0,
    journalReplayed: 0,
    mqttRefused: {},
    mqttRateLimited: 0,
    temperatureReadingsLate: {},
    readerClocks: {},
  };
}

/** What the edge's metrics are read from besides its counters. */
export interface EdgeMetricsSources {
  outbox: Outbox;
  shelves: readonly OpcuaShelfSource[];
  reference: ReferenceDataSync | undefined;
  sender: UplinkSender;
}

/** The edge's metrics now: copies, so what it returns does not change as the edge runs on. */
export function edgeMetricsSnapshot(counters: EdgeCounters, sources: EdgeMetricsSources): EdgeMetrics {
  const { outbox, shelves, reference, sender } = sources;
  return {
    ...counters,
    deadLetters: { ...counters.deadLetters },
    mqttRefused: { ...counters.mqttRefused },
    temperatureReadingsLate: { ...counters.temperatureReadingsLate },
    readerClocks: { ...counters.readerClocks },
    outboxDepth: outbox.depth(),
    outbox: outbox.usage(),
    eventDeadLetters: outbox.deadLetterUsage(),
    opcuaValuesRejected: shelves.reduce((n, s) => n + Object.values(s.metrics().refused).reduce((a, b) => a + b, 0), 0),
    opcuaValuesRefused: Object.fromEntries(shelves.map((s) => [s.id, s.metrics().refused])),
    opcuaBadBins: Object.fromEntries(shelves.map((s) => [s.id, s.badBins()])),
    opcuaMonitoredBins: Object.fromEntries(shelves.map((s) => [s.id, s.monitoredBins()])),
    opcuaShelfRefusals: shelves.reduce((n, s) => n + s.metrics().reconnects, 0),
    referenceAsOf: reference?.asOf(),
    referenceConfirmedAt: reference?.confirmedAt(),
    uplink: {
      ...sender.counters,
      eventsDeadLettered: { ...sender.counters.eventsDeadLettered },
      batchesInFlight: sender.batchesInFlight,
    },
  };
}
