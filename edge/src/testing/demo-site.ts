import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseSiteLayoutText, type RfidPortalDevice, type SiteLayout } from "@tally/protocols";
import type { ScanObservation, TagReadObservation, TemperatureObservation } from "../domain/observation.js";

/** The demo site file, parsed: a fixture for edge tests. */
export function demoSite(): SiteLayout {
  const text = readFileSync(
    fileURLToPath(new URL("../../../simulators/scenarios/demo-site.yaml", import.meta.url)),
    "utf8",
  );
  const parsed = parseSiteLayoutText(text);
  if (!parsed.ok) throw new Error(parsed.error.reason);
  return parsed.value;
}

/**
 * A two-sided inbound portal for tests (outer antenna 1, inner 2, two reads
 * at −85 dBm or better), with `fields` over it.
 */
export function testPortal(id: string, location: string, fields: Partial<RfidPortalDevice> = {}): RfidPortalDevice {
  return {
    id,
    kind: "rfid-portal",
    location,
    direction: "inbound",
    antennas: { inner: [2], outer: [1] },
    filter: { minReads: 2, minRssi: -85 },
    ...fields,
  };
}

/** The demo site with more portals, and the dock locations they need (`DEMO/DOCK/…`, added when missing). */
export function demoSiteWithPortals(...portals: RfidPortalDevice[]): SiteLayout {
  const demo = demoSite();
  const known = new Set(demo.locations.map((l) => l.code));
  const docks = [...new Set(portals.map((p) => p.location))].filter(
    (code) => !known.has(code) && code.startsWith("DEMO/DOCK/"),
  );
  return {
    ...demo,
    locations: [...demo.locations, ...docks.map((code) => ({ code, zone: "DOCK" }))],
    devices: [...demo.devices, ...portals],
  };
}

/** Sequential ids for deterministic tests. */
export function sequentialIds(prefix = "00000000-0000-7000-8000-"): () => string {
  let n = 0;
  return () => prefix + String(n++).padStart(12, "0");
}

/** A reading of the demo's cold-room sensor (temp-c1 at DEMO/COLD/C1), `second` seconds after 08:00 UTC. */
export function coldRoomReading(celsius: number, second: number): TemperatureObservation {
  return {
    type: "temperature",
    id: `t${second}`,
    deviceId: "temp-c1",
    location: "DEMO/COLD/C1",
    celsius,
    at: new Date(Date.UTC(2026, 10, 22, 8, 0, 0) + second * 1000).toISOString(),
  };
}

/** One read of `epc` at a portal (outer antenna, −50 dBm), at a fixed time. */
export function tagRead(epc: string, deviceId = "portal-d1"): TagReadObservation {
  return {
    type: "tag-read",
    id: `${deviceId}/${epc}`,
    deviceId,
    epc,
    antenna: 1,
    rssi: -50,
    at: "2026-11-22T10:00:00.000Z",
  };
}

/** A putaway scan of one unit to DEMO/PICK/A1, at a fixed time. */
export const PUTAWAY_SCAN: ScanObservation = {
  type: "scan",
  id: "s",
  deviceId: "scanner-1",
  gtin: "09506000134352",
  qty: 1,
  action: "PUTAWAY",
  location: "DEMO/PICK/A1",
  at: "2026-11-22T10:00:00.000Z",
};
