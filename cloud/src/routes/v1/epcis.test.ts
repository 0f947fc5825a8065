import { ErrorCode, LedgerErrorCode, type Movement } from "@tally/protocols";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AlertHub } from "../../alerts/alert-hub.js";
import { buildApp } from "../../app.js";
import { eventIdOf, gtinOfSgtinUri, locationFromUrn, locationUrn, ssccOfParentId } from "../../epcis/epcis-mapping.js";
import type { LedgerStore } from "../../ledger/ledger-store.js";
import {
  batch,
  bearer,
  everyLocationKnown,
  forwardedTelemetry,
  movement,
  silentLogger,
  TEST_TOKENS,
  tempStore,
  testCredentials,
} from "../../testing/fixtures.js";

interface Doc {
  "@context": unknown[];
  type: string;
  schemaVersion: string;
  creationDate: string;
  epcisBody: { eventList: Record<string, unknown>[] };
}

let app: FastifyInstance;
let store: LedgerStore;
let dispose: () => Promise<void>;
let flush: () => Promise<void>;
const others: { app: FastifyInstance; dispose: () => Promise<void> }[] = [];

async function ledger() {
  const temp = await tempStore();
  const forwarded = await forwardedTelemetry(temp.store);
  const built = await buildApp({
    siteFacts: everyLocationKnown,
    telemetry: forwarded.telemetry,
    store: temp.store,
    logger: silentLogger(),
    alerts: new AlertHub(),
    credentials: testCredentials(temp.store),
    mode: "development",
  });
  await built.inject({
    method: "PUT",
    headers: bearer(TEST_TOKENS.admin),
    url: "/v1/items/SKU-1",
    payload: { sku: "SKU-1", gtins: ["00614141000012"] },
  });
  return {
    app: built,
    store: temp.store,
    flush: forwarded.flush,
    dispose: async () => {
      await forwarded.dispose();
      await temp.dispose();
    },
  };
}

beforeEach(async () => {
  ({ app, store, dispose, flush } = await ledger());
});
afterEach(async () => {
  await app.close();
  await dispose();
  for (const o of others.splice(0)) {
    await o.app.close();
    await o.dispose();
  }
});

const post = (target: FastifyInstance, url: string, payload: unknown) =>
  target.inject({
    method: "POST",
    url,
    payload: JSON.stringify(payload),
    // Ingest is an edge's; capture a supervisor's (admin here).
    headers: {
      "content-type": "application/json",
      ...bearer(url === "/v1/ingest" ? TEST_TOKENS.edge : TEST_TOKENS.admin),
    },
  });

const capture = (target: FastifyInstance, eventList: unknown[]) =>
  post(target, "/v1/epcis/capture", {
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    type: "EPCISDocument",
    schemaVersion: "2.0",
    creationDate: "2026-11-22T12:00:00.000Z",
    epcisBody: { eventList },
  });

describe("EPCIS mapping", () => {
  it("maps location codes to URNs and back, SGTIN URIs to GTINs, and hashes stable event ids", () => {
    expect(locationUrn("S1/DOCK/D1")).toBe("urn:tally:loc:S1:DOCK:D1");
    expect(locationFromUrn("urn:tally:loc:S1:DOCK:D1")).toBe("S1/DOCK/D1");
    expect(locationFromUrn("urn:epc:id:sgln:0614141.07346.1234")).toBeUndefined();
    // TDS §6.3.1: indicator digit first, then company prefix and item reference, then the check digit.
    expect(gtinOfSgtinUri("urn:epc:id:sgtin:0614141.812345.6789")).toBe("80614141123458");
    expect(gtinOfSgtinUri("urn:epc:id:sgtin:0614141.12345.1")).toBeUndefined();
    // TDS §6.3.2: the serial reference's first digit is the SSCC's extension digit.
    expect(ssccOfParentId("urn:epc:id:sscc:0614141.1234567890")).toBe("106141412345678908");
    expect(ssccOfParentId("https://id.gs1.org/00/106141412345678908")).toBe("106141412345678908");
    expect(ssccOfParentId("https://example.com/00/106141412345678908?x=1")).toBe("106141412345678908");
    expect(ssccOfParentId("https://id.gs1.org/00/106141412345678907")).toBeUndefined();
    expect(ssccOfParentId("urn:epc:id:sscc:0614141.123456789")).toBeUndefined();
    expect(ssccOfParentId("urn:epc:id:sgtin:0614141.812345.6789")).toBeUndefined();
    expect(eventIdOf("x")).toBe(eventIdOf("x"));
    expect(eventIdOf("x")).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
  });
});

describe("GET /v1/epcis/events", () => {
  it("is an EPCIS 2.0 JSON-LD document of ObjectEvents with CBV bizStep, disposition, where and what", async () => {
    const receipt = movement({ sku: "SKU-1", qty: 5, to: "S1/DOCK/D1", lot: "L1" });
    const serial = movement({
      sku: "SKU-1",
      qty: 1,
      from: "S1/DOCK/D1",
      to: "S1/A/01",
      movementType: "PUTAWAY",
      epc: "urn:epc:id:sgtin:0614141.000001.5",
    });
    const shipped = movement({ sku: "SKU-2", qty: 2, from: "S1/A/01", to: undefined, movementType: "SHIPMENT" });
    await post(app, "/v1/ingest", batch([receipt, serial, shipped]));
    const res = await app.inject({ url: "/v1/epcis/events" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/ld\+json/);
    const doc = res.json() as Doc;
    expect(doc).toMatchObject({ type: "EPCISDocument", schemaVersion: "2.0" });
    expect(doc["@context"][0]).toBe("https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld");
    const [r, s, x] = doc.epcisBody.eventList;
    expect(r).toMatchObject({
      type: "ObjectEvent",
      eventID: eventIdOf(receipt.id),
      eventTime: receipt.occurredAt,
      action: "ADD",
      bizStep: "receiving",
      disposition: "in_progress",
      epcList: [],
      quantityList: [{ epcClass: "https://id.gs1.org/01/00614141000012/10/L1", quantity: 5 }],
      readPoint: { id: "urn:tally:loc:S1:DOCK:D1" },
      bizLocation: { id: "urn:tally:loc:S1:DOCK:D1" },
    });
    expect(s).toMatchObject({
      action: "OBSERVE",
      bizStep: "storing",
      epcList: ["urn:epc:id:sgtin:0614141.000001.5"],
      sourceList: [{ type: "location", source: "urn:tally:loc:S1:DOCK:D1" }],
      destinationList: [{ type: "location", destination: "urn:tally:loc:S1:A:01" }],
    });
    expect(x).toMatchObject({
      action: "DELETE",
      bizStep: "shipping",
      disposition: "in_transit",
      quantityList: [{ epcClass: "urn:tally:sku:SKU-2", quantity: 2 }],
    });
    expect(x?.bizLocation).toBeUndefined();
    // Stable: the same movement gives the same eventID every time.
    const again = (await app.inject({ url: "/v1/epcis/events" })).json() as Doc;
    expect(again.epcisBody.eventList.map((e) => e.eventID)).toEqual(doc.epcisBody.eventList.map((e) => e.eventID));
  });

  it("groups units received on one pallet (SSCC) into an AggregationEvent", async () => {
    const on = (n: number) =>
      movement({
        sku: "SKU-1",
        qty: 1,
        to: "S1/DOCK/D1",
        epc: `urn:epc:id:sgtin:0614141.000001.${n}`,
        sscc: "106141411234567897",
      });
    await post(app, "/v1/ingest", batch([on(1), on(2), on(3)]));
    const doc = (await app.inject({ url: "/v1/epcis/events" })).json() as Doc;
    expect(doc.epcisBody.eventList).toEqual([
      expect.objectContaining({
        type: "AggregationEvent",
        // The pallet arrived packed: an observed aggregation (ADD would mean packing, EPCIS 2.0 §7.4.3).
        action: "OBSERVE",
        parentID: "https://id.gs1.org/00/106141411234567897",
        childEPCs: [1, 2, 3].map((n) => `urn:epc:id:sgtin:0614141.000001.${n}`),
        bizStep: "receiving",
      }),
    ]);
  });

  it("serves temperature readings with a sensorElementList, and pages with a Link header", async () => {
    const reading = (value: number, deviceNo: number) => ({
      kind: "telemetry",
      id: crypto.randomUUID(),
      siteId: "S1",
      occurredAt: "2026-11-22T08:00:00.000Z",
      deviceId: `temp-${deviceNo}`,
      metric: "temperature",
      value,
      unit: "°C",
      location: "S1/COLD/01",
    });
    const summary = {
      ...reading(5, 2),
      occurredAt: "2026-11-22T08:01:00.000Z",
      summary: { periodS: 60, min: 4, max: 6.5, count: 12 },
    };
    await post(app, "/v1/ingest", batch([reading(4.5, 0), reading(9.1, 1), summary]));
    // The export reads the telemetry store, which the forwarder fills from the ledger's hand-off.
    await flush();
    const res = await app.inject({ url: "/v1/epcis/events?source=sensors&perPage=1" });
    const doc = res.json() as Doc;
    expect(doc.epcisBody.eventList).toEqual([
      expect.objectContaining({
        bizStep: "sensor_reporting",
        readPoint: { id: "urn:tally:loc:S1:COLD:01" },
        sensorElementList: [
          {
            sensorMetadata: { time: "2026-11-22T08:00:00.000Z", deviceID: "urn:tally:device:temp-0" },
            sensorReport: [{ type: "gs1:Temperature", value: 4.5, uom: "CEL" }],
          },
        ],
      }),
    ]);
    const next = /<([^>]+)>; rel="next"/.exec(String(res.headers.link))?.[1];
    expect(next).toBeDefined();
    const second = (await app.inject({ url: next ?? "" })).json() as Doc;
    expect(second.epcisBody.eventList).toHaveLength(1);
    expect(second.epcisBody.eventList[0]).toMatchObject({
      sensorElementList: [{ sensorReport: [{ value: 9.1 }] }],
    });
    // A summary reports its period: start and end, min, max and mean.
    const third = /<([^>]+)>; rel="next"/.exec(String((await app.inject({ url: next ?? "" })).headers.link))?.[1];
    const last = (await app.inject({ url: third ?? "" })).json() as Doc;
    expect(last.epcisBody.eventList).toEqual([
      expect.objectContaining({
        eventTime: "2026-11-22T08:01:00.000Z",
        sensorElementList: [
          {
            sensorMetadata: {
              startTime: "2026-11-22T08:01:00.000Z",
              endTime: "2026-11-22T08:02:00.000Z",
              deviceID: "urn:tally:device:temp-2",
            },
            sensorReport: [{ type: "gs1:Temperature", minValue: 4, maxValue: 6.5, meanValue: 5, uom: "CEL" }],
          },
        ],
      }),
    ]);
    const bad = await app.inject({ url: "/v1/epcis/events?source=sensors&after=nope" });
    expect(bad.statusCode).toBe(400);
  });

  it("refuses bad queries with a problem", async () => {
    const res = await app.inject({ url: "/v1/epcis/events?perPage=5000" });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: ErrorCode.QueryInvalid });
  });
});

describe("POST /v1/epcis/capture", () => {
  const objectEvent = {
    type: "ObjectEvent",
    eventID: "ni:///sha-256;df7bb3c352fef055578554f09f5e2aa41782150ced7bd0b8af24dd3ccb30ba69?ver=CBV2.0",
    eventTime: "2026-11-22T09:00:00.000+01:00",
    eventTimeZoneOffset: "+01:00",
    action: "OBSERVE",
    bizStep: "https://ref.gs1.org/cbv/BizStep-receiving",
    disposition: "in_progress",
    epcList: ["urn:epc:id:sgtin:0614141.000001.42"],
    quantityList: [{ epcClass: "https://id.gs1.org/01/00614141000012/10/LOT7", quantity: 12 }],
    readPoint: { id: "urn:tally:loc:S1:DOCK:D1" },
    bizLocation: { id: "urn:tally:loc:S1:DOCK:D1" },
  };

  it("commits an ObjectEvent's EPCs and quantities as movements, once however often it is captured", async () => {
    const first = await capture(app, [objectEvent]);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ captured: [objectEvent.eventID], duplicates: [], rejected: [] });
    const again = await capture(app, [objectEvent]);
    expect(again.json()).toEqual({ captured: [], duplicates: [objectEvent.eventID], rejected: [] });
    const ms = (await store.movements()) as Movement[];
    expect(ms).toHaveLength(2);
    expect(ms).toEqual([
      expect.objectContaining({
        movementType: "RECEIPT",
        sku: "SKU-1",
        qty: 1,
        to: "S1/DOCK/D1",
        epc: objectEvent.epcList[0],
      }),
      expect.objectContaining({ movementType: "RECEIPT", sku: "SKU-1", qty: 12, to: "S1/DOCK/D1", lot: "LOT7" }),
    ]);
    expect(await store.stock()).toEqual([
      { sku: "SKU-1", location: "S1/DOCK/D1", lot: "", qty: 1 },
      { sku: "SKU-1", location: "S1/DOCK/D1", lot: "LOT7", qty: 12 },
    ]);
  });

  it("rejects events one by one with a reason, and a same eventID with other content as a conflict", async () => {
    await capture(app, [objectEvent]);
    const res = await capture(app, [
      { ...objectEvent, quantityList: [{ epcClass: "https://id.gs1.org/01/00614141000012/10/LOT7", quantity: 13 }] },
      {
        ...objectEvent,
        eventID: "urn:uuid:1",
        readPoint: { id: "urn:epc:id:sgln:0614141.07346.1234" },
        bizLocation: undefined,
      },
      { ...objectEvent, eventID: "urn:uuid:2", epcList: ["urn:epc:id:sgtin:9999999.000001.1"], quantityList: [] },
      { ...objectEvent, eventID: "urn:uuid:3", bizStep: "repairing" },
      { type: "TransformationEvent", eventID: "urn:uuid:4" },
      { type: "ObjectEvent", eventTime: "yesterday" },
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { rejected: { index: number; code: string }[] };
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [0, ErrorCode.EventConflict],
      [1, LedgerErrorCode.EpcisUnsupported],
      [2, ErrorCode.SkuUnknown],
      [3, LedgerErrorCode.EpcisUnsupported],
      [4, LedgerErrorCode.EpcisUnsupported],
      [5, LedgerErrorCode.EpcisInvalid],
    ]);
  });

  it("refuses a body that is not an EPCIS document with a problem", async () => {
    const res = await post(app, "/v1/epcis/capture", { type: "EPCISQueryDocument" });
    expect(res.statusCode).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: LedgerErrorCode.EpcisInvalid });
  });

  const pallet = "106141412345678908";
  const aggregation = {
    type: "AggregationEvent",
    eventID: "urn:uuid:5f0c7b7e-3a51-4c7a-9a5e-1f2b3c4d5e6f",
    eventTime: "2026-11-22T09:30:00.000Z",
    eventTimeZoneOffset: "+00:00",
    action: "OBSERVE",
    bizStep: "receiving",
    disposition: "in_progress",
    parentID: `https://id.gs1.org/00/${pallet}`,
    childEPCs: ["urn:epc:id:sgtin:0614141.000001.101", "urn:epc:id:sgtin:0614141.000001.102"],
    childQuantityList: [{ epcClass: "https://id.gs1.org/01/00614141000012/10/LOT9", quantity: 20 }],
    readPoint: { id: "urn:tally:loc:S1:DOCK:D1" },
    bizLocation: { id: "urn:tally:loc:S1:DOCK:D1" },
  };

  it("captures an AggregationEvent: its children move as its bizStep says, on the pallet (SSCC), once", async () => {
    const first = await capture(app, [aggregation]);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ captured: [aggregation.eventID], duplicates: [], rejected: [] });
    expect(await store.movements()).toEqual([
      expect.objectContaining({
        movementType: "RECEIPT",
        qty: 1,
        to: "S1/DOCK/D1",
        epc: aggregation.childEPCs[0],
        sscc: pallet,
      }),
      expect.objectContaining({
        movementType: "RECEIPT",
        qty: 1,
        to: "S1/DOCK/D1",
        epc: aggregation.childEPCs[1],
        sscc: pallet,
      }),
      expect.objectContaining({ movementType: "RECEIPT", qty: 20, to: "S1/DOCK/D1", lot: "LOT9", sscc: pallet }),
    ]);
    expect((await store.serial(aggregation.childEPCs[0] ?? ""))?.location).toBe("S1/DOCK/D1");
    expect((await capture(app, [aggregation])).json()).toEqual({
      captured: [],
      duplicates: [aggregation.eventID],
      rejected: [],
    });
    expect(await store.stock()).toEqual([
      { sku: "SKU-1", location: "S1/DOCK/D1", lot: "", qty: 2 },
      { sku: "SKU-1", location: "S1/DOCK/D1", lot: "LOT9", qty: 20 },
    ]);
  });

  it("moves a pallet's children from source to destination; after a DELETE they are off the pallet", async () => {
    await capture(app, [aggregation]);
    const putaway = {
      ...aggregation,
      eventID: "urn:uuid:6a1d8c8f-4b62-4d8b-8b6f-2a3b4c5d6e7f",
      eventTime: "2026-11-22T10:00:00.000Z",
      action: "DELETE",
      bizStep: "storing",
      parentID: "urn:epc:id:sscc:0614141.1234567890",
      childQuantityList: [],
      sourceList: [{ type: "location", source: "urn:tally:loc:S1:DOCK:D1" }],
      destinationList: [{ type: "location", destination: "urn:tally:loc:S1:A:01" }],
    };
    expect((await capture(app, [putaway])).json()).toMatchObject({ captured: [putaway.eventID], rejected: [] });
    const moved = (await store.movements()).slice(3);
    expect(moved).toEqual([
      expect.objectContaining({
        movementType: "PUTAWAY",
        from: "S1/DOCK/D1",
        to: "S1/A/01",
        epc: putaway.childEPCs[0],
      }),
      expect.objectContaining({
        movementType: "PUTAWAY",
        from: "S1/DOCK/D1",
        to: "S1/A/01",
        epc: putaway.childEPCs[1],
      }),
    ]);
    expect(moved.map((m) => m.sscc)).toEqual([undefined, undefined]);
    expect(await store.stock({ locationPrefix: "S1/A" })).toEqual([
      { sku: "SKU-1", location: "S1/A/01", lot: "", qty: 2 },
    ]);
  });

  it("rejects AggregationEvents without a pallet, without children, or that only pack or unpack", async () => {
    const res = await capture(app, [
      { ...aggregation, eventID: "urn:uuid:a1", parentID: undefined },
      { ...aggregation, eventID: "urn:uuid:a2", parentID: "https://id.gs1.org/00/106141412345678907" },
      { ...aggregation, eventID: "urn:uuid:a3", parentID: "urn:epc:id:sgtin:0614141.000001.1" },
      { ...aggregation, eventID: "urn:uuid:a4", action: "ADD", bizStep: "packing" },
      { ...aggregation, eventID: "urn:uuid:a5", bizStep: undefined },
      { ...aggregation, eventID: "urn:uuid:a6", childEPCs: [], childQuantityList: [] },
      { ...aggregation, eventID: "urn:uuid:a7", childEPCs: "urn:epc:id:sgtin:0614141.000001.1" },
      { ...aggregation, eventID: "urn:uuid:a8", action: "PACK" },
      { ...aggregation, eventID: "urn:uuid:a9", childEPCs: ["urn:epc:id:sgtin:9999999.000001.1"] },
    ]);
    expect(res.statusCode).toBe(200);
    const body = res.json() as { captured: string[]; rejected: { index: number; code: string; reason: string }[] };
    expect(body.captured).toEqual([]);
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [0, LedgerErrorCode.EpcisInvalid],
      [1, LedgerErrorCode.EpcisUnsupported],
      [2, LedgerErrorCode.EpcisUnsupported],
      [3, LedgerErrorCode.EpcisUnsupported],
      [4, LedgerErrorCode.EpcisUnsupported],
      [5, LedgerErrorCode.EpcisInvalid],
      [6, LedgerErrorCode.EpcisInvalid],
      [7, LedgerErrorCode.EpcisInvalid],
      [8, ErrorCode.SkuUnknown],
    ]);
    expect(body.rejected[3]?.reason).toMatch(/packing or unpacking/);
    expect(await store.movements()).toEqual([]);
  });

  it("refuses an AggregationEvent's eventID reused with other children as a conflict", async () => {
    await capture(app, [aggregation]);
    const res = await capture(app, [
      { ...aggregation, childQuantityList: [{ ...aggregation.childQuantityList[0], quantity: 21 }] },
    ]);
    expect(res.json()).toMatchObject({
      captured: [],
      duplicates: [],
      rejected: [{ index: 0, code: ErrorCode.EventConflict }],
    });
  });

  it("round trip: one ledger's document captured into another gives the same stock", async () => {
    await post(
      app,
      "/v1/ingest",
      batch([
        movement({ sku: "SKU-1", qty: 7, to: "S1/DOCK/D1", lot: "L1" }),
        movement({ sku: "SKU-1", qty: 3, from: "S1/DOCK/D1", to: "S1/A/01", lot: "L1", movementType: "PUTAWAY" }),
        movement({ sku: "SKU-1", qty: 1, from: "S1/A/01", to: undefined, lot: "L1", movementType: "PICK" }),
        movement({ sku: "SKU-2", qty: 2, to: "S1/A/01" }),
        // A mixed pallet: two SKUs, one with a lot, received then shipped whole.
        ...[1, 2, 3].map((n) =>
          movement({
            sku: n === 3 ? "SKU-2" : "SKU-1",
            qty: 1,
            to: "S1/DOCK/D2",
            epc: `urn:epc:id:sgtin:0614141.000001.${n}`,
            sscc: "106141412345678908",
            ...(n !== 3 && { lot: "L2" }),
            occurredAt: "2026-11-22T07:00:00.000Z",
          }),
        ),
        // Quantities on a pallet too, of an item without a GTIN (its lot travels as tally:lot).
        movement({
          sku: "SKU-2",
          qty: 4,
          to: "S1/DOCK/D2",
          lot: "L3",
          sscc: "106141412345678908",
          occurredAt: "2026-11-22T07:00:00.000Z",
        }),
        ...[1, 2].map((n) =>
          movement({
            sku: "SKU-1",
            qty: 1,
            from: "S1/DOCK/D2",
            to: undefined,
            movementType: "SHIPMENT",
            epc: `urn:epc:id:sgtin:0614141.000001.${n}`,
            sscc: "106141412345678908",
            lot: "L2",
            occurredAt: "2026-11-22T11:00:00.000Z",
          }),
        ),
      ]),
    );
    const doc = (await app.inject({ url: "/v1/epcis/events" })).json() as Doc;
    const aggregations = doc.epcisBody.eventList.filter((e) => e.type === "AggregationEvent");
    expect(aggregations).toHaveLength(4);
    expect(aggregations[2]).toMatchObject({
      childEPCs: [],
      childQuantityList: [{ epcClass: "urn:tally:sku:SKU-2", quantity: 4 }],
      "tally:lot": "L3",
    });
    const other = await ledger();
    others.push(other);
    const res = await capture(other.app, doc.epcisBody.eventList);
    expect(res.json()).toMatchObject({ rejected: [] });
    expect(await other.store.stock()).toEqual(await store.stock());
    const serial = async (s: LedgerStore, n: number) => {
      const {
        lastMovementId: _,
        lastSeenAt: __,
        ...rest
      } = (await s.serial(`urn:epc:id:sgtin:0614141.000001.${n}`)) ?? {};
      return rest;
    };
    for (const n of [1, 2, 3]) expect(await serial(other.store, n)).toEqual(await serial(store, n));
    const pallets = (s: LedgerStore) =>
      s
        .movements({ limit: 100 })
        .then((ms) => ms.filter((m) => m.sscc !== undefined).map((m) => [m.movementType, m.epc, m.sscc]));
    expect(await pallets(other.store)).toEqual(await pallets(store));
  });
});
