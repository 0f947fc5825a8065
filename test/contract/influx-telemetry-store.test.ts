import { InfluxTelemetryStore } from "@tally/cloud";
import { afterAll, describe, it } from "vitest";
import { probeInflux } from "../support/influxdb.js";
import { telemetryStoreContract } from "./telemetry-store-contract.js";

// The skip decision must be known before collection; in CI a missing InfluxDB throws here.
const influx = await probeInflux();

if ("unavailable" in influx) {
  describe("TelemetryStore contract: influxdb", () => {
    it.skip(`skipped: ${influx.unavailable}`, () => undefined);
  });
} else {
  const run = `t${Date.now().toString(36)}`;
  let count = 0;
  afterAll(async () => {
    await influx.stop();
  });
  // One database per test: each starts empty.
  telemetryStoreContract("influxdb", async () => {
    count += 1;
    return new InfluxTelemetryStore({ url: influx.database(`${run}_${count}`) });
  });
}
