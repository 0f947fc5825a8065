import { encodeSgtin96 } from "@tally/protocols";
import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import { edgePipeline } from "../pipelines/edge-pipeline.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { decodeDeviceMessage } from "./decode-device-message.js";
import type { TagReadObservation } from "./observation.js";
import { indexSite } from "./site-index.js";

const epcResult = encodeSgtin96({ gtin: "00614141000012", companyPrefixDigits: 7, serial: 424242 });
if (!epcResult.ok) throw new Error(epcResult.error.message);
const epc = epcResult.value;
const topic = "tally/v1/DEMO/dev/portal-d1/read";

// Two reads of one tag, outer antenna (1) at -56 dBm then inner (2) at -50 dBm, in each dialect.
const generic = {
  reads: [
    { epc, antenna: 1, rssi: -56, readAt: "2026-11-22T08:00:00.123Z" },
    { epc, antenna: 2, rssi: -50, readAt: "2026-11-22T08:00:00.623Z" },
  ],
};
const zebra = [
  {
    type: "SIMPLE",
    timestamp: "2026-11-22T09:00:00.123+0100",
    data: { eventNum: 1, format: "epc", idHex: epc.toLowerCase(), antenna: 1, peakRssi: -56, reads: 3 },
  },
  {
    type: "SIMPLE",
    timestamp: "2026-11-22T09:00:00.623+0100",
    data: { eventNum: 2, format: "epc", idHex: epc.toLowerCase(), antenna: 2, peakRssi: -50, reads: 2 },
  },
];
const impinjEvent = (antennaPort: number, peakRssiCdbm: number, time: string) => ({
  timestamp: time,
  hostname: "impinj-12-34-56",
  eventType: "tagInventory",
  tagInventoryEvent: { epc: Buffer.from(epc, "hex").toString("base64"), antennaPort, peakRssiCdbm, lastSeenTime: time },
});
const impinj = [
  impinjEvent(1, -5600, "2026-11-22T08:00:00.123456789Z"),
  impinjEvent(2, -5000, "2026-11-22T08:00:00.623456789Z"),
];

function withFormat(format: "generic" | "zebra" | "impinj" | undefined) {
  const site = demoSite();
  return indexSite({
    ...site,
    devices: site.devices.map((d) => (d.kind === "rfid-portal" ? { ...d, format } : d)),
  });
}

function reads(format: "generic" | "zebra" | "impinj" | undefined, payload: unknown): TagReadObservation[] {
  const result = decodeDeviceMessage(withFormat(format), topic, Buffer.from(JSON.stringify(payload)));
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.reason}`);
  return result.value.filter((o): o is TagReadObservation => o.type === "tag-read");
}

/** Runs reads through the whole edge pipeline in virtual time and returns the one movement it makes. */
function movementOf(observations: TagReadObservation[]) {
  const out: unknown[] = [];
  new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, flush }) => {
    const values = Object.fromEntries(observations.map((o, i) => [String.fromCharCode(97 + i), o]));
    const marbles = `${Object.keys(values).join("")} 5s |`;
    edgePipeline({ observations$: cold(marbles, values) }, withFormat(undefined), {
      siteId: "DEMO",
      newId: sequentialIds(),
    }).subscribe((e) => out.push(e));
    flush();
  });
  expect(out).toHaveLength(1);
  return out[0];
}

describe("reader payload formats at the edge", () => {
  it("reads Zebra and Impinj payloads as the same observation as the generic form", () => {
    const expected = [
      { type: "tag-read", deviceId: "portal-d1", epc, antenna: 1, rssi: -56, at: "2026-11-22T08:00:00.123Z" },
      { type: "tag-read", deviceId: "portal-d1", epc, antenna: 2, rssi: -50, at: "2026-11-22T08:00:00.623Z" },
    ];
    expect(reads("generic", generic)).toMatchObject(expected);
    expect(reads("zebra", zebra)).toMatchObject(expected);
    expect(reads("impinj", impinj)).toMatchObject(expected);
  });

  it("detects the dialect when the site file names none", () => {
    expect(reads(undefined, zebra)).toMatchObject([
      { epc, rssi: -56 },
      { epc, rssi: -50 },
    ]);
    expect(reads(undefined, impinj)).toMatchObject([
      { epc, rssi: -56 },
      { epc, rssi: -50 },
    ]);
    expect(reads(undefined, generic)).toMatchObject([
      { epc, rssi: -56 },
      { epc, rssi: -50 },
    ]);
  });

  it("produces the same movement from each dialect", () => {
    const fromGeneric = movementOf(reads("generic", generic));
    const strip = (m: unknown) => {
      const { id: _id, evidence: _evidence, ...rest } = m as Record<string, unknown>;
      return rest;
    };
    expect(strip(fromGeneric)).toMatchObject({
      movementType: "RECEIPT",
      sku: "WIDGET",
      to: "DEMO/DOCK/D1",
      confidence: 1,
    });
    expect(strip(movementOf(reads("zebra", zebra)))).toEqual(strip(fromGeneric));
    expect(strip(movementOf(reads("impinj", impinj)))).toEqual(strip(fromGeneric));
  });

  it("refuses a payload in another dialect than the site file names", () => {
    const result = decodeDeviceMessage(withFormat("zebra"), topic, Buffer.from(JSON.stringify(impinj)));
    expect(result).toMatchObject({ ok: false, error: { code: "TALLY_ERR_MSG_SCHEMA", deviceId: "portal-d1" } });
  });

  it("passes an Impinj buffer overflow on as a reader notice", () => {
    const overflow = {
      timestamp: "2026-11-22T08:00:01Z",
      hostname: "impinj-12-34-56",
      eventType: "overflow",
      overflowEvent: { eventsPurged: 120, eventsRemaining: 5 },
    };
    const result = decodeDeviceMessage(withFormat("impinj"), topic, Buffer.from(JSON.stringify(overflow)));
    expect(result).toMatchObject({
      ok: true,
      value: [{ type: "reader-notice", notice: { kind: "reader-overflow", eventsPurged: 120 } }],
    });
  });
});
