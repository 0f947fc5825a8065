import type { EdgeEvent, Movement, SiteLayout, Telemetry } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { deviceSilentCondition, pickMovement } from "../testing/edge-events.js";
import { holdsUnjournalledEvents, opcuaShelfIds } from "./unjournalled-events.js";

const scan = pickMovement();
const shelfPick: Movement = { ...scan, evidence: { deviceId: "shelf-opc", observationIds: ["o1"] } };
const fusedPick: Movement = {
  ...scan,
  evidence: { deviceId: "scanner-1", deviceIds: ["scanner-1", "shelf-opc"], observationIds: ["o1", "o2"] },
};
const condition = deviceSilentCondition();
const shelfWeight: Telemetry = {
  kind: "telemetry",
  id: "0190c7e4-0000-7000-8000-000000000003",
  siteId: "WH1",
  occurredAt: "2026-11-22T10:00:00.000Z",
  deviceId: "shelf-opc",
  metric: "weight",
  value: 2500,
  unit: "g",
};

const site = {
  devices: [
    { id: "shelf-opc", kind: "shelf", transport: "opcua" },
    { id: "shelf-mqtt", kind: "shelf", transport: "mqtt" },
    { id: "scanner-1", kind: "scanner" },
  ],
} as unknown as SiteLayout;

describe("events the device journal cannot rebuild", () => {
  const shelves = opcuaShelfIds(site);

  it("knows the site's OPC-UA shelves, not its MQTT ones", () => {
    expect([...shelves]).toEqual(["shelf-opc"]);
  });

  it("a batch of journalled scans needs no sync of its own", () => {
    expect(holdsUnjournalledEvents([scan, scan], shelves)).toBe(false);
    expect(holdsUnjournalledEvents([], shelves)).toBe(false);
  });

  it("a condition, a movement resting on an OPC-UA shelf alone or fused with a scan, each asks for one", () => {
    expect(holdsUnjournalledEvents([scan, condition], shelves)).toBe(true);
    expect(holdsUnjournalledEvents([scan, shelfPick], shelves)).toBe(true);
    expect(holdsUnjournalledEvents([fusedPick], shelves)).toBe(true);
    expect(holdsUnjournalledEvents([condition], new Set())).toBe(true);
  });

  it("telemetry does not, even from an OPC-UA shelf: it may be shed anyway", () => {
    expect(holdsUnjournalledEvents([shelfWeight] as EdgeEvent[], shelves)).toBe(false);
  });
});
