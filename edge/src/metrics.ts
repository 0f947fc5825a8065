import type { UplinkCounters } from "./uplink/uplink-sender.js";

/** Counters the edge keeps; the metrics server serves them in Prometheus format. */
export interface EdgeMetrics {
  messagesReceived: number;
  observations: number;
  /** Rejected device messages by error code. */
  deadLetters: Record<string, number>;
  eventsQueued: number;
  /** Reader notices that reads were lost (buffer overflow). */
  readerOverflows: number;
  /** Outbox writes that failed (disk full): their events are kept in memory and retried. */
  outboxWriteFailures: number;
  /**
   * Each RFID reader's clock as the edge sees it: reader minus edge, ms (with
   * the shortest delivery delay), and whether its read times are corrected.
   */
  readerClocks: Record<string, { offsetMs: number; correcting: boolean }>;
  /** Device messages replayed from the journal at start. */
  journalReplayed: number;
  /** What the device broker refused (connections, publishes, subscriptions, packets), by reason. */
  mqttRefused: Record<string, number>;
  /** Device publishes that waited because their client was past its rate limit. */
  mqttRateLimited: number;
  /**
   * Temperature readings a stage left out because their device time was older than what it had already taken,
   * by stage: `summaries` (a minute already sent), `excursions` and `rate` (older than the sensor's latest reading).
   */
  temperatureReadingsLate: Record<string, number>;
  outboxDepth: number;
  /** Outbox bytes, bound and what was shed. */
  outbox: { bytes: number; maxBytes?: number | undefined; shed: Record<string, number> };
  /** Dead letters the outbox keeps (events the cloud refused), their bound and how many were dropped to keep it. */
  eventDeadLetters: { count: number; max: number; dropped: number };
  /** OPC-UA values that were not weights (Bad or Uncertain status, not a finite number), all shelves. */
  opcuaValuesRejected: number;
  /** The same by shelf and status name (`BadSensorFailure`, `UncertainLastUsableValue`, `NotAFiniteNumber`…). */
  opcuaValuesRefused: Record<string, Record<string, number>>;
  /** Bins without a good value now, by shelf. */
  opcuaBadBins: Record<string, number>;
  /** Bins monitored now, by shelf: 0 while a shelf is not connected (a server restart, a network loss). */
  opcuaMonitoredBins: Record<string, number>;
  /** OPC-UA shelf connection attempts refused or lost (each is retried), all shelves. */
  opcuaShelfRefusals: number;
  /** When the cloud made the reference data in use (ISO); undefined: the site file's items only. */
  referenceAsOf?: string | undefined;
  /** When the cloud last confirmed that copy (a new copy or "not modified", ISO); undefined: not since start. */
  referenceConfirmedAt?: string | undefined;
  /** The uplink's counters since start, and the batches sent and not yet acknowledged, now (at most its window). */
  uplink: UplinkCounters & { batchesInFlight?: number };
}
