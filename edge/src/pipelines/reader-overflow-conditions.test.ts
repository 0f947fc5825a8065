import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import type { ReaderNoticeObservation } from "../domain/observation.js";
import { indexSite } from "../domain/site-index.js";
import { demoSite, sequentialIds } from "../testing/demo-site.js";
import { readerOverflowConditions } from "./reader-overflow-conditions.js";

const site = indexSite(demoSite());
const notice: ReaderNoticeObservation = {
  type: "reader-notice",
  id: "n1",
  deviceId: "portal-d1",
  at: "2026-11-22T08:00:00.000Z",
  notice: { kind: "reader-overflow", index: 0, at: "2026-11-22T08:00:00.000Z", eventsPurged: 120 },
};

describe("readerOverflowConditions", () => {
  it("raises once per burst of overflows and clears after a quiet period", () => {
    new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
      const out = cold("a 20ms a 200ms |", { a: notice }).pipe(
        readerOverflowConditions(site, { siteId: "DEMO", newId: sequentialIds() }, 100),
      );
      expectObservable(out).toBe("r 120ms c 100ms |", {
        r: expect.objectContaining({
          conditionType: "READER_OVERFLOW",
          state: "raised",
          location: "DEMO/DOCK/D1",
          value: 120,
        }),
        c: expect.objectContaining({
          conditionType: "READER_OVERFLOW",
          state: "cleared",
          key: "READER_OVERFLOW:portal-d1",
        }),
      });
    });
  });
});
