import { randomUUID } from "node:crypto";
import { type ExcursionRecord, excursionId, type LedgerStore } from "@tally/cloud";
import type { Condition, Movement } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";

const T0 = Date.parse("2026-11-22T08:00:00.000Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

function record(overrides: Partial<ExcursionRecord> = {}): ExcursionRecord {
  const siteId = overrides.siteId ?? "S1";
  const deviceId = overrides.deviceId ?? "t1";
  const startedAt = overrides.startedAt ?? at(60);
  return {
    id: excursionId(siteId, deviceId, startedAt),
    siteId,
    deviceId,
    location: "S1/COLD/01",
    zone: "COLD",
    status: "open",
    startedAt,
    raisedAt: at(65),
    side: "above",
    limit: 8,
    peak: 9,
    durationS: 300,
    degreeMinutes: 2,
    unknownS: 0,
    graceS: 300,
    hysteresisC: 0.5,
    ...overrides,
  };
}

function movement(minutes: number, overrides: Partial<Movement>): Movement {
  return {
    kind: "movement",
    id: randomUUID(),
    siteId: "S1",
    occurredAt: at(minutes),
    movementType: "TRANSFER",
    sku: "PEAS",
    qty: 1,
    evidence: { deviceId: "portal-1", observationIds: [] },
    confidence: 1,
    ...overrides,
  };
}

/** The excursion store every ledger adapter passes (SQLite, PostgreSQL). */
export function excursionStoreContract(name: string, open: () => Promise<LedgerStore>): void {
  describe(`excursion store (${name})`, () => {
    let store: LedgerStore | undefined;
    const opened = async () => {
      store = await open();
      return store;
    };
    afterEach(async () => {
      await store?.close();
      store = undefined;
    });

    it("keeps one record per excursion, closed whatever order raise and clear came in, resends included", async () => {
      const s = await opened();
      const raise = record({ alertId: "alert-1" });
      const clear = record({ status: "closed", endedAt: at(120), durationS: 3600, peak: 12, raisedAt: at(61) });
      expect(await s.excursions.record({ kind: "record", record: clear })).toMatchObject({ changed: true });
      expect(await s.excursions.record({ kind: "record", record: raise })).toMatchObject({ changed: true });
      const resent = await s.excursions.record({ kind: "record", record: clear });
      expect(resent?.changed).toBe(false);
      const list = await s.excursions.list();
      expect(list).toHaveLength(1);
      expect(list[0]).toEqual({ ...clear, raisedAt: at(65), alertId: "alert-1" });
      expect(await s.excursions.get(raise.id)).toEqual(list[0]);
      expect(await s.excursions.get("nope")).toBeUndefined();
    });

    it("closes a device's earlier open record when a later one closes (an edge that crashed mid-excursion)", async () => {
      const s = await opened();
      // Before the crash: raised at 60. After it the edge replays a few minutes and starts again at 70.
      const before = record({ startedAt: at(60) });
      const other = record({ startedAt: at(50), deviceId: "t2" });
      await s.excursions.record({ kind: "record", record: before });
      await s.excursions.record({ kind: "record", record: other });
      await s.excursions.record({ kind: "record", record: record({ startedAt: at(70), raisedAt: at(75) }) });
      expect((await s.excursions.get(before.id))?.status).toBe("open");
      await s.excursions.record({
        kind: "record",
        record: record({ startedAt: at(70), raisedAt: at(75), status: "closed", endedAt: at(90) }),
      });
      expect(await s.excursions.get(before.id)).toMatchObject({ status: "closed", endedAt: at(90) });
      // Another device's excursion is its own.
      expect((await s.excursions.get(other.id))?.status).toBe("open");
    });

    it("closes a device's open record on a clear without a record, and nothing when none is open", async () => {
      const s = await opened();
      await s.excursions.record({ kind: "record", record: record({ startedAt: at(10), status: "closed" }) });
      await s.excursions.record({ kind: "record", record: record({ startedAt: at(60) }) });
      const closed = await s.excursions.record({ kind: "closes", siteId: "S1", deviceId: "t1", endedAt: at(90) });
      expect(closed?.record).toMatchObject({ startedAt: at(60), status: "closed", endedAt: at(90), durationS: 1800 });
      expect(await s.excursions.record({ kind: "closes", siteId: "S1", deviceId: "t2", endedAt: at(90) })).toBe(
        undefined,
      );
    });

    it("lists by site, zone, device, status and start, a page at a time", async () => {
      const s = await opened();
      const records = [
        record({ startedAt: at(10), status: "closed", endedAt: at(20) }),
        record({ deviceId: "t2", startedAt: at(30), zone: "FRZ", location: "S1/FRZ/01" }),
        record({ siteId: "S2", startedAt: at(40), location: "S2/COLD/01" }),
        record({ startedAt: at(50) }),
      ];
      for (const r of records) await s.excursions.record({ kind: "record", record: r });
      const ids = async (query: Parameters<LedgerStore["excursions"]["list"]>[0]) =>
        (await s.excursions.list(query)).map((r) => r.id);
      const [a, b, c, d] = records.map((r) => r.id);
      expect(await ids({ siteId: "S1" })).toEqual([a, b, d]);
      expect(await ids({ zone: "FRZ" })).toEqual([b]);
      expect(await ids({ deviceId: "t1", siteId: "S1" })).toEqual([a, d]);
      expect(await ids({ status: "closed" })).toEqual([a]);
      // Any ISO form of an instant filters the same.
      expect(await ids({ from: "2026-11-22T08:30:00Z", to: "2026-11-22T09:50:00.000+01:00" })).toEqual([b, c]);
      expect(await ids({ limit: 2 })).toEqual([a, b]);
      expect(await ids({ limit: 2, after: b })).toEqual([c, d]);
    });

    it("reads the movements touching a zone up to a time, in commit order, with lot and EPC", async () => {
      const s = await opened();
      const epc = "urn:epc:id:sgtin:0614141.107346.1";
      const inZone = [
        movement(0, { movementType: "RECEIPT", to: "S1/COLD/01", lot: "L1", qty: 24 }),
        movement(5, { from: "S1/COLD/01", to: "S1/A/01", epc }),
        movement(-5, { from: "S1/A/01", to: "S1/COLD/02" }),
      ];
      const elsewhere = [
        movement(1, { movementType: "RECEIPT", to: "S1/COLDX/01" }),
        movement(1, { movementType: "RECEIPT", to: "S1/A/01" }),
        movement(200, { movementType: "RECEIPT", to: "S1/COLD/01" }),
      ];
      await s.commit({ edgeId: "edge-1", siteId: "S1", batchId: randomUUID(), seq: 0 }, [...inZone, ...elsewhere]);
      await s.commit({ edgeId: "edge-2", siteId: "S10", batchId: randomUUID(), seq: 0 }, [
        movement(1, { siteId: "S10", movementType: "RECEIPT", to: "S10/COLD/01" }),
      ]);
      const found = await s.excursions.zoneMovements("S1", "COLD", at(100));
      expect(found).toEqual([
        { sku: "PEAS", qty: 24, to: "S1/COLD/01", lot: "L1", occurredAt: at(0) },
        { sku: "PEAS", qty: 1, from: "S1/COLD/01", to: "S1/A/01", epc, occurredAt: at(5) },
        { sku: "PEAS", qty: 1, from: "S1/A/01", to: "S1/COLD/02", occurredAt: at(-5) },
      ]);
    });

    it("rewrites an alert's message once, and says so only when it changed", async () => {
      const s = await opened();
      const condition: Condition = {
        kind: "condition",
        id: randomUUID(),
        siteId: "S1",
        occurredAt: at(5),
        conditionType: "TEMPERATURE_EXCURSION",
        state: "raised",
        key: "TEMPERATURE_EXCURSION:t1",
        deviceId: "t1",
        detail: "warm",
      };
      const { alerts } = await s.commit({ edgeId: "edge-1", siteId: "S1", batchId: randomUUID(), seq: 0 }, [condition]);
      const id = alerts[0]?.id ?? "";
      expect(await s.excursions.setAlertMessage(id, "warm — at risk: PEAS ×3")).toMatchObject({
        id,
        message: "warm — at risk: PEAS ×3",
      });
      expect(await s.excursions.setAlertMessage(id, "warm — at risk: PEAS ×3")).toBeUndefined();
      expect(await s.excursions.setAlertMessage("nope", "x")).toBeUndefined();
      expect((await s.alerting.get(id))?.alert.message).toBe("warm — at risk: PEAS ×3");
    });
  });
}
