import { loadCloudConfig } from "@tally/cloud";
import { loadEdgeConfig } from "@tally/edge";
import { DEMO_SITE_FILE, readSiteFile } from "@tally/simulators";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { upSystemOptions } from "./up.js";

const site = await readSiteFile(DEMO_SITE_FILE);
const logger = pino({ level: "silent" });

describe("tally up's system, from the configuration", () => {
  it("runs the telemetry forwarder on its own thread, as tally cloud does, unless TALLY_TELEMETRY_FORWARD_THREAD says no", () => {
    const edgeConfig = loadEdgeConfig({});
    const on = upSystemOptions(loadCloudConfig({}), edgeConfig, { site, logger, simulators: true });
    expect(on.telemetryForwardThread).toBe(true);
    const off = upSystemOptions(loadCloudConfig({ TALLY_TELEMETRY_FORWARD_THREAD: "false" }), edgeConfig, {
      site,
      logger,
      simulators: true,
    });
    expect(off.telemetryForwardThread).toBe(false);
  });

  it("passes on the cloud's stores, ports and alert settings and the edge's", () => {
    const options = upSystemOptions(
      loadCloudConfig({
        TALLY_HTTP_PORT: "8123",
        TALLY_DATA_DIR: "/tmp/tally-up-test",
        TALLY_INFLUX_URL: "http://127.0.0.1:8086/tally",
        TALLY_TELEMETRY_HANDOFF_MAX: "5000",
        TALLY_ALERT_SWEEP_MS: "2500",
      }),
      loadEdgeConfig({ TALLY_EDGE_ID: "edge-up", TALLY_EDGE_MQTT_PORT: "18830" }),
      { site, logger, simulators: false },
    );
    expect(options).toMatchObject({
      http: { port: 8123 },
      dataDir: "/tmp/tally-up-test",
      influxUrl: "http://127.0.0.1:8086/tally",
      telemetryHandoffMax: 5000,
      edgeId: "edge-up",
      deviceMqttPort: 18830,
      simulators: false,
      alerts: { alertSweepMs: 2500 },
    });
  });
});
