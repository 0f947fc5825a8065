import { encodeSgtin96 } from "@tally/protocols";
import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import { movementsFromReads } from "../pipelines/movements-from-reads.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { decodeDeviceMessage } from "./decode-device-message.js";
import type { TagReadObservation } from "./observation.js";
import { indexSite } from "./site-index.js";

const epcResult = encodeSgtin96({ gtin: "00614141000012", companyPrefixDigits: 7, serial: 424242 });
if (!epcResult.ok) throw new Error(epcResult.error.message);
const epc = epcResult.value;
const topic = "tally/v1/DEMO/dev/portal-d1/read";

// One read of one tag on the outer antenna at -56 dBm, in each dialect.
const generic = { reads: [{ epc, antenna: 1, rssi: -56, readAt: "2026-11-22T08:00:00.123Z" }] };
const zebra = {
  type: "SIMPLE",
  timestamp: "2026-11-22T09:00:00.123+0100",
  data: { eventNum: 1, format: "epc", idHex: epc.toLowerCase(), antenna: 1, peakRssi: -56, reads: 3 },
};
const impinj = {
  timestamp: "2026-11-22T08:00:00.123456789Z",
  hostname: "impinj-12-34-56",
  eventType: "tagInventory",
  tagInventoryEvent: {
    epc: Buffer.from(epc, "hex").toString("base64"),
    antennaPort: 1,
    peakRssiCdbm: -5600,
    lastSeenTime: "2026-11-22T08:00:00.123456789Z",
  },
};

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

function movementOf(observations: TagReadObservation[]) {
  const first = observations[0];
  if (first === undefined) throw new Error("no read");
  let out: unknown;
  new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
    const events = cold("a|", { a: first }).pipe(
      movementsFromReads(withFormat(undefined), { siteId: "DEMO", newId: sequentialIds() }),
    );
    events.subscribe((e) => {
      out = e;
    });
    expectObservable(events).toBe("x|", { x: expect.anything() });
  });
  return out;
}

describe("reader payload formats at the edge", () => {
  it("reads Zebra and Impinj payloads as the same observation as the generic form", () => {
    const expected = [
      { type: "tag-read", deviceId: "portal-d1", epc, antenna: 1, rssi: -56, at: "2026-11-22T08:00:00.123Z" },
    ];
    expect(reads("generic", generic)).toMatchObject(expected);
    expect(reads("zebra", zebra)).toMatchObject(expected);
    expect(reads("impinj", impinj)).toMatchObject(expected);
  });

  it("detects the dialect when the site file names none", () => {
    expect(reads(undefined, zebra)).toMatchObject([{ epc, rssi: -56 }]);
    expect(reads(undefined, impinj)).toMatchObject([{ epc, rssi: -56 }]);
    expect(reads(undefined, generic)).toMatchObject([{ epc, rssi: -56 }]);
  });

  it("produces the same movement from each dialect", () => {
    const fromGeneric = movementOf(reads("generic", generic));
    const strip = (m: unknown) => {
      const { id: _id, evidence: _evidence, ...rest } = m as Record<string, unknown>;
      return rest;
    };
    expect(strip(fromGeneric)).toMatchObject({ movementType: "RECEIPT", sku: "WIDGET", to: "DEMO/DOCK/D1" });
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
