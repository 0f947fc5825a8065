import { randomUUID } from "node:crypto";
import type { Telemetry } from "@tally/protocols";

/** A reading of the demo site's cold-room sensor `temp-c1`, `i` seconds after `t0` (ms), at 4 + i/10 °C. */
export function coldRoomReading(t0: number, i: number): Telemetry {
  return {
    kind: "telemetry",
    id: randomUUID(),
    siteId: "DEMO",
    occurredAt: new Date(t0 + i * 1000).toISOString(),
    deviceId: "temp-c1",
    metric: "temperature",
    value: 4 + i / 10,
    unit: "Cel",
    location: "DEMO/COLD/C1",
  };
}

/**
 * Posts telemetry to a cloud's `POST /v1/ingest` as edge `edgeId` of the demo
 * site with its bearer secret: each call one batch, seqs counted from 0.
 * Returns the HTTP status and the acknowledgement.
 */
export function demoTelemetryPoster(
  cloudUrl: string,
  secret: string,
  edgeId: string,
): (events: Telemetry[]) => Promise<{ status: number; body: { status: string } }> {
  let seq = 0;
  return async (events) => {
    const res = await fetch(`${cloudUrl}/v1/ingest`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({
        v: 1,
        edgeId,
        siteId: "DEMO",
        batchId: randomUUID(),
        seq: seq++,
        sentAt: new Date().toISOString(),
        events,
      }),
    });
    return { status: res.status, body: (await res.json()) as { status: string } };
  };
}
