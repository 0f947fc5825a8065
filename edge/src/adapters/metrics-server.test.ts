import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { newEdgeCounters } from "../edge-metrics-snapshot.js";
import type { EdgeMetrics } from "../metrics.js";
import { newUplinkCounters } from "../uplink/uplink-sender.js";
import { type EdgeMetricsServer, startMetricsServer } from "./metrics-server.js";

/** The edge's metrics with zeroed counters but for the reader clocks, late readings and OPC-UA values tested. */
const metrics = (readerClocks: EdgeMetrics["readerClocks"]): EdgeMetrics => ({
  ...newEdgeCounters(),
  readerClocks,
  temperatureReadingsLate: { summaries: 2 },
  outboxDepth: 0,
  outbox: { bytes: 0, shed: {} },
  eventDeadLetters: { count: 0, max: 10, dropped: 0 },
  opcuaValuesRejected: 3,
  opcuaValuesRefused: { "shelf-1": { BadSensorFailure: 2, UncertainLastUsableValue: 1 } },
  opcuaBadBins: { "shelf-1": 1 },
  opcuaMonitoredBins: { "shelf-1": 2 },
  opcuaShelfRefusals: 0,
  uplink: newUplinkCounters(),
});

describe("the edge's metrics server", () => {
  let server: EdgeMetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it("exports each reader's clock offset in seconds and whether its reads are corrected, by device", async () => {
    let clocks: EdgeMetrics["readerClocks"] = {
      "portal-d1": { offsetMs: 3980, correcting: true },
      "portal-d2": { offsetMs: -40, correcting: false },
    };
    server = await startMetricsServer({
      host: "127.0.0.1",
      port: 0,
      metrics: () => metrics(clocks),
      oldestAgeMs: async () => undefined,
      logger: pino({ level: "silent" }),
    });
    const text = await (await fetch(server.url)).text();
    expect(text).toContain('tally_edge_reader_clock_offset_seconds{device="portal-d1"} 3.98');
    expect(text).toContain('tally_edge_reader_clock_offset_seconds{device="portal-d2"} -0.04');
    expect(text).toContain('tally_edge_reader_clock_corrected{device="portal-d1"} 1');
    expect(text).toContain('tally_edge_reader_clock_corrected{device="portal-d2"} 0');
    // Read at each scrape: a later estimate replaces the earlier one.
    clocks = { "portal-d1": { offsetMs: 0, correcting: false } };
    const later = await (await fetch(server.url)).text();
    expect(later).toContain('tally_edge_reader_clock_corrected{device="portal-d1"} 0');
    expect(later).not.toContain('device="portal-d2"');
  });

  it("counts OPC-UA values refused by shelf and status, and the bins bad now", async () => {
    server = await startMetricsServer({
      host: "127.0.0.1",
      port: 0,
      metrics: () => metrics({}),
      oldestAgeMs: async () => undefined,
      logger: pino({ level: "silent" }),
    });
    const text = await (await fetch(server.url)).text();
    expect(text).toContain('tally_edge_opcua_values_refused_total{shelf="shelf-1",status="BadSensorFailure"} 2');
    expect(text).toContain(
      'tally_edge_opcua_values_refused_total{shelf="shelf-1",status="UncertainLastUsableValue"} 1',
    );
    expect(text).toContain('tally_edge_opcua_bad_bins{shelf="shelf-1"} 1');
    expect(text).toContain('tally_edge_opcua_monitored_bins{shelf="shelf-1"} 2');
  });

  it("counts temperature readings left out as late, by stage", async () => {
    server = await startMetricsServer({
      host: "127.0.0.1",
      port: 0,
      metrics: () => metrics({}),
      oldestAgeMs: async () => undefined,
      logger: pino({ level: "silent" }),
    });
    expect(await (await fetch(server.url)).text()).toContain(
      'tally_edge_temperature_readings_late_total{stage="summaries"} 2',
    );
  });
});
