import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { SqlLedgerStore } from "../adapters/sql-ledger-store.js";
import { openSqliteLedgerStore } from "../adapters/sqlite-ledger-store.js";
import { condition, silentLogger } from "../testing/fixtures.js";
import type { Alert, AlertEvent } from "./alert.js";
import { AlertPolicy } from "./alert-policy.js";
import { AlertSweeper } from "./alert-sweeper.js";

// Virtual minutes from now: what the commit records as told (its own clock) is "now" too.
const T0 = Date.now();
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const meta = (seq: number, edgeId = "edge-1") => ({ edgeId, siteId: "S1", batchId: `b-${edgeId}-${seq}`, seq });

/**
 * The sweeper on a real SQLite ledger, in virtual time: each `sweepOnce(at(m))`
 * is the sweep m minutes after the alert was raised. Events are what
 * notifications would send.
 */
describe("alert sweeper: escalation, reminders, silences, inhibition, edges not heard", () => {
  let dir: string;
  let store: SqlLedgerStore;
  let events: AlertEvent[];
  let published: Alert[];
  let sweeper: AlertSweeper;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "tally-sweeper-"));
    store = openSqliteLedgerStore(join(dir, "ledger.db"));
    events = [];
    published = [];
    store.alerting.sendEventsTo(async (_tx, e) => {
      events.push(...e);
    });
    store.alerting.usePolicy(
      new AlertPolicy({
        kinds: {
          DEVICE_SILENT: {
            severity: "minor",
            escalateAfterMinutes: 10,
            remindEveryMinutes: 4,
            escalateTo: "shift-lead",
          },
        },
        rules: { edgeSilentMinutes: 5 },
      }),
    );
    sweeper = new AlertSweeper({ store: store.alerting, publish: (a) => published.push(...a), logger: silentLogger() });
  });
  afterEach(async () => {
    await sweeper.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const silent = (device: string) =>
    condition({
      key: `DEVICE_SILENT:${device}`,
      conditionType: "DEVICE_SILENT",
      deviceId: device,
      occurredAt: at(0).toISOString(),
    });
  const kinds = () => events.map((e) => `${e.event}:${e.alert.kind}:${e.alert.severity}`);

  it("an unacknowledged alert is escalated one severity after its time, again after twice it; target told", async () => {
    await store.commit(meta(0), [silent("portal-1")]);
    expect(kinds()).toEqual(["raised:DEVICE_SILENT:minor"]);
    await sweeper.sweepOnce(at(9));
    // Reminders due at 4 and 8 minutes, swept once at 9: one reminder, not a burst.
    expect(kinds()).toEqual(["raised:DEVICE_SILENT:minor", "reminder:DEVICE_SILENT:minor"]);
    events.length = 0;
    await sweeper.sweepOnce(at(10));
    expect(events).toEqual([expect.objectContaining({ event: "escalated", target: "shift-lead" })]);
    expect(events[0]?.alert).toMatchObject({ severity: "major", escalations: 1 });
    expect(published).toContainEqual(expect.objectContaining({ severity: "major" }));
    events.length = 0;
    await sweeper.sweepOnce(at(20));
    expect(kinds()).toEqual(["escalated:DEVICE_SILENT:critical"]);
  });

  it("hundreds of alerts that never escalate do not starve the one that must", async () => {
    const quiet = Array.from({ length: 600 }, (_, i) =>
      condition({
        key: `SHELF_UNSTABLE:s-${i}`,
        conditionType: "SHELF_UNSTABLE",
        deviceId: `s-${i}`,
        occurredAt: at(0).toISOString(),
      }),
    );
    await store.commit(meta(0), quiet);
    await store.commit(meta(1), [silent("portal-1")]);
    events.length = 0;
    await sweeper.sweepOnce(at(11));
    expect(events.filter((e) => e.event === "escalated").map((e) => e.alert.deviceId)).toEqual(["portal-1"]);
  });

  it("reminds every few minutes until acknowledged, then stops; acknowledged alerts never escalate", async () => {
    const [alert] = (await store.commit(meta(0), [silent("portal-1")])).alerts;
    events.length = 0;
    await sweeper.sweepOnce(at(3));
    expect(events).toEqual([]);
    await sweeper.sweepOnce(at(5));
    expect(kinds()).toEqual(["reminder:DEVICE_SILENT:minor"]);
    await sweeper.sweepOnce(at(7));
    expect(kinds()).toHaveLength(1);
    await store.alerting.acknowledge(alert?.id ?? "", "ana");
    events.length = 0;
    for (const m of [9, 12, 30, 60]) await sweeper.sweepOnce(at(m));
    expect(events).toEqual([]);
    const read = await store.alerting.get(alert?.id ?? "");
    expect(read?.alert).toMatchObject({ severity: "minor", escalations: 0 });
  });

  it("a silence mutes raising, reminders and escalation of what it matches, and nothing else", async () => {
    await store.alerting.addSilence({
      matchers: { siteId: "S1", deviceId: "portal-1" },
      exceptCritical: false,
      startsAt: new Date(0).toISOString(),
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
      createdBy: "ana",
      comment: "re-cabling",
    });
    await store.commit(meta(0), [silent("portal-1"), silent("portal-2")]);
    for (const m of [4, 10, 20]) await sweeper.sweepOnce(at(m));
    expect(events.every((e) => e.alert.deviceId === "portal-2")).toBe(true);
    expect(events.map((e) => e.event)).toContain("escalated");
    // Muted is not hidden: the alert is recorded and listed.
    expect((await store.alerts()).map((a) => a.deviceId)).toEqual(["portal-1", "portal-2"]);
  });

  it("a site in maintenance mutes everything but critical", async () => {
    await store.alerting.addSilence({
      matchers: { siteId: "S1" },
      exceptCritical: true,
      startsAt: new Date(0).toISOString(),
      endsAt: new Date(Date.now() + 3600_000).toISOString(),
      createdBy: "ana",
      comment: "racking inspection",
    });
    await store.commit(meta(0), [silent("portal-1"), condition({ occurredAt: at(0).toISOString() })]);
    expect(kinds()).toEqual(["raised:TEMPERATURE_EXCURSION:critical"]);
  });

  it("an edge not heard from raises EDGE_NOT_HEARD once, mutes its devices' DEVICE_SILENT, clears when heard", async () => {
    await store.alerting.recordContact("edge-1", "S1", at(0).toISOString());
    await store.alerting.recordContact("edge-2", "S1", at(0).toISOString());
    await sweeper.sweepOnce(at(4));
    expect(events).toEqual([]);
    await store.alerting.recordContact("edge-2", "S1", at(5).toISOString());
    await sweeper.sweepOnce(at(6));
    await sweeper.sweepOnce(at(7));
    expect(kinds()).toEqual(["raised:EDGE_NOT_HEARD:major"]);
    expect(events[0]?.alert.edgeId).toBe("edge-1");
    events.length = 0;
    // The edge comes back with its backlog: the silences behind it are recorded, not told (one cause, one message).
    await store.commit(meta(0, "edge-1"), [silent("portal-1"), silent("portal-2")]);
    await store.commit(meta(0, "edge-2"), [silent("portal-9")]);
    expect(events.map((e) => e.alert.deviceId)).toEqual(["portal-9"]);
    await store.alerting.recordContact("edge-1", "S1", at(8).toISOString());
    await sweeper.sweepOnce(at(8));
    expect(events.map((e) => `${e.event}:${e.alert.kind}`)).toContain("cleared:EDGE_NOT_HEARD");
  });
});

describe("alert sweeper on its own timer", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("sweeps every interval once started, with fake timers: escalation arrives when its time has come, not before", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const dir = await mkdtemp(join(tmpdir(), "tally-sweeper-timer-"));
    const store = openSqliteLedgerStore(join(dir, "ledger.db"));
    const events: AlertEvent[] = [];
    store.alerting.sendEventsTo(async (_tx, e) => {
      events.push(...e);
    });
    store.alerting.usePolicy(new AlertPolicy({ kinds: { DEVICE_SILENT: { escalateAfterMinutes: 1 } } }));
    const sweeper = new AlertSweeper({
      store: store.alerting,
      publish: () => undefined,
      logger: silentLogger(),
      intervalMs: 1000,
    });
    try {
      await store.commit(meta(0), [
        condition({
          key: "DEVICE_SILENT:p1",
          conditionType: "DEVICE_SILENT",
          deviceId: "p1",
          occurredAt: new Date().toISOString(),
        }),
      ]);
      sweeper.start();
      await vi.advanceTimersByTimeAsync(59_000);
      expect(events.map((e) => e.event)).toEqual(["raised"]);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(events.map((e) => e.event)).toEqual(["raised", "escalated"]);
    } finally {
      await sweeper.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
