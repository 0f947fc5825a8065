import { Counter, type Registry } from "prom-client";
import type { TelemetryForwarderObserver } from "./telemetry-forwarder.js";

/** Counters of the telemetry forwarder on `registry` (the cloud's `/metrics`). */
export function telemetryMetrics(registry: Registry): TelemetryForwarderObserver {
  const forwarded = new Counter({
    name: "tally_cloud_telemetry_forwarded_total",
    help: "Telemetry points written to the telemetry store from the ledger's hand-off",
    registers: [registry],
  });
  const rejected = new Counter({
    name: "tally_cloud_telemetry_rejected_total",
    help: "Telemetry points the telemetry store can never keep (logged and dropped), by error code",
    labelNames: ["code"],
    registers: [registry],
  });
  const failed = new Counter({
    name: "tally_cloud_telemetry_forward_failures_total",
    help: "Forwarding rounds that failed (telemetry store away); each is retried with backoff",
    registers: [registry],
  });
  const shed = new Counter({
    name: "tally_cloud_telemetry_shed_total",
    help: "Telemetry points dropped unforwarded, oldest first, because the telemetry store was away past the bound",
    registers: [registry],
  });
  return {
    forwarded: (n) => forwarded.inc(n),
    rejected: (code) => rejected.inc({ code }),
    failed: () => failed.inc(),
    shed: (n) => shed.inc(n),
  };
}
