import type { EdgeEvent } from "@tally/protocols";
import { filter } from "rxjs";
import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import type { DeviceLink } from "../domain/device-link.js";
import type { Observation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { deviceSilence } from "./device-silence.js";

// The demo's MQTT devices: portal-d1, scanner-1, temp-c1 (shelf-1 is OPC-UA and not watched here).
const site = indexSite(demoSite());
const hb = (deviceId: string): Observation => ({
  type: "heartbeat",
  id: deviceId,
  deviceId,
  at: "2026-11-22T08:00:00.000Z",
});

describe("deviceSilence", () => {
  it("raises for a device not heard from in time, clears when it speaks again, and watches devices that never spoke", () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      // portal-d1 and scanner-1 beat every ~40 ms; temp-c1 never speaks; portal-d1 stops after frame 78, comes back at 297.
      const input = cold("a b 37ms a b 37ms a b 37ms b 39ms b 39ms b 39ms b 39ms b 19ms a 40ms |", {
        a: hb("portal-d1"),
        b: hb("scanner-1"),
      });
      const out = input.pipe(deviceSilence(site, { siteId: "DEMO", newId: sequentialIds() }, 100));
      expectObservable(out).toBe("100ms t 77ms p 118ms q 40ms |", {
        t: expect.objectContaining({
          conditionType: "DEVICE_SILENT",
          state: "raised",
          deviceId: "temp-c1",
          location: "DEMO/COLD/C1",
        }),
        p: expect.objectContaining({ conditionType: "DEVICE_SILENT", state: "raised", deviceId: "portal-d1" }),
        q: expect.objectContaining({ conditionType: "DEVICE_SILENT", state: "cleared", deviceId: "portal-d1" }),
      });
    });
  });
});

// The same site with the dock portal declared without heartbeats.
const quietPortalSite = () => {
  const layout = demoSite();
  return indexSite({
    ...layout,
    devices: layout.devices.map((d) => (d.id === "portal-d1" ? { ...d, heartbeat: false } : d)),
  });
};
const link = (state: DeviceLink["state"], connection = "c1"): DeviceLink => ({
  deviceId: "portal-d1",
  connection,
  state,
});
const will: Observation = { type: "heartbeat", id: "portal-d1/offline", deviceId: "portal-d1", status: "offline" };
const portalOnly = (e: EdgeEvent) => e.kind === "condition" && e.deviceId === "portal-d1";

describe("deviceSilence for a device without heartbeats", () => {
  it("raises nothing for an idle portal that stays connected far past the silent limit", () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const observations = cold<Observation>("1000ms |");
      const links = cold("5ms c", { c: link("connected") });
      const out = deviceSilence(
        quietPortalSite(),
        { siteId: "DEMO", newId: sequentialIds() },
        100,
      )(observations, links).pipe(filter(portalOnly));
      expectObservable(out).toBe("1000ms |");
    });
  });

  it("raises after the limit once the connection drops, and clears on reconnect", () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const observations = cold<Observation>("1000ms |");
      // Connected at 5, dropped at 300 (keepalive expiry or a lost socket), back at 600.
      const links = cold("5ms c 294ms d 299ms c", { c: link("connected"), d: link("disconnected") });
      const out = deviceSilence(
        quietPortalSite(),
        { siteId: "DEMO", newId: sequentialIds() },
        100,
      )(observations, links).pipe(filter(portalOnly));
      expectObservable(out).toBe("400ms r 199ms k 399ms |", {
        r: expect.objectContaining({
          conditionType: "DEVICE_SILENT",
          state: "raised",
          deviceId: "portal-d1",
          occurredAt: new Date(400).toISOString(),
          detail: "portal-d1 has had no connection for 0.1 s",
        }),
        k: expect.objectContaining({ conditionType: "DEVICE_SILENT", state: "cleared", deviceId: "portal-d1" }),
      });
    });
  });

  it("raises nothing for a drop shorter than the limit, and waits for the last of two connections", () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const observations = cold<Observation>("1000ms |");
      // A reconnect (c2) races the old socket's close (c1): still up. Then a 50 ms blip at 300. Then gone at 600.
      const links = cold("c 99ms n 99ms d 99ms x 49ms y 249ms z", {
        c: link("connected", "c1"),
        n: link("connected", "c2"),
        d: link("disconnected", "c1"),
        x: link("disconnected", "c2"),
        y: link("connected", "c3"),
        z: link("disconnected", "c3"),
      });
      const out = deviceSilence(
        quietPortalSite(),
        { siteId: "DEMO", newId: sequentialIds() },
        100,
      )(observations, links).pipe(filter(portalOnly));
      expectObservable(out).toBe("700ms r 299ms |", {
        r: expect.objectContaining({ state: "raised", deviceId: "portal-d1" }),
      });
    });
  });

  it("reports a portal that never connects", () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const out = deviceSilence(
        quietPortalSite(),
        { siteId: "DEMO", newId: sequentialIds() },
        100,
      )(cold<Observation>("300ms |"), cold<DeviceLink>("-")).pipe(filter(portalOnly));
      expectObservable(out).toBe("100ms r 199ms |", { r: expect.objectContaining({ state: "raised" }) });
    });
  });

  it("without connection reports (an external broker) is up on any message and down on its will", () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      // An `online` birth message at 5, idle long after, its will at 400, back at 700.
      const observations = cold<Observation>("5ms o 394ms w 299ms o 99ms |", {
        o: { type: "heartbeat", id: "portal-d1/online", deviceId: "portal-d1", status: "online" },
        w: will,
      });
      const out = deviceSilence(
        quietPortalSite(),
        { siteId: "DEMO", newId: sequentialIds() },
        100,
      )(observations).pipe(filter(portalOnly));
      expectObservable(out).toBe("500ms r 199ms k 99ms |", {
        r: expect.objectContaining({ state: "raised", occurredAt: new Date(500).toISOString() }),
        k: expect.objectContaining({ state: "cleared" }),
      });
    });
  });

  it("with connection reports, data neither clears nor keeps up a portal whose connection is down", () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      // Messages replayed from the journal at start say nothing about the connection now.
      const observations = cold<Observation>("10ms h 289ms |", { h: hb("portal-d1") });
      const out = deviceSilence(
        quietPortalSite(),
        { siteId: "DEMO", newId: sequentialIds() },
        100,
      )(observations, cold<DeviceLink>("-")).pipe(filter(portalOnly));
      expectObservable(out).toBe("100ms r 199ms |", { r: expect.objectContaining({ state: "raised" }) });
    });
  });

  it("keeps heartbeat devices as they were: a will is not a sign of life", () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const observations = cold<Observation>("h 49ms w 249ms |", { h: hb("portal-d1"), w: will });
      const out = deviceSilence(
        site,
        { siteId: "DEMO", newId: sequentialIds() },
        100,
      )(observations, cold("c", { c: link("connected") })).pipe(filter(portalOnly));
      expectObservable(out).toBe("100ms r 199ms |", { r: expect.objectContaining({ state: "raised" }) });
    });
  });
});
