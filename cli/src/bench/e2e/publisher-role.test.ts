import { describe, expect, it } from "vitest";
import { PublisherDone, PublisherOptions, runPublisher } from "./publisher-role.js";

const job = {
  url: "mqtt://127.0.0.1:1",
  clientId: "scanner-1",
  topic: "tally/v1/DEMO/dev/scanner-1/scan",
  workload: "scan",
  messages: 10,
  window: 5,
};

describe("the e2e publisher's jobs", () => {
  it("takes a well-formed job, with the first serial defaulting to 0", () => {
    expect(PublisherOptions.parse(job).serialBase).toBe(0);
  });

  it("refuses malformed and hostile jobs before anything is sent", () => {
    for (const bad of [
      { ...job, workload: "rfid-zebra" },
      { ...job, messages: -1 },
      { ...job, messages: 1.5 },
      { ...job, window: 0 },
      { ...job, ratePerS: 0 },
      { ...job, topic: "" },
      { ...job, url: undefined },
      "not an object",
      null,
    ]) {
      expect(PublisherOptions.safeParse(bad).success).toBe(false);
    }
  });

  it("refuses RFID counts that are not whole pallets without connecting anywhere", async () => {
    await expect(
      runPublisher(PublisherOptions.parse({ ...job, workload: "rfid-generic", messages: 7 })),
    ).rejects.toThrow(/whole pallets/);
  });

  it("refuses a report line that is not a publisher's report", () => {
    expect(PublisherDone.safeParse({ event: "done", messages: 1 }).success).toBe(false);
    expect(PublisherDone.safeParse({ event: "failed", message: "x" }).success).toBe(false);
  });
});
