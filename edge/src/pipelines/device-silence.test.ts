import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
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
