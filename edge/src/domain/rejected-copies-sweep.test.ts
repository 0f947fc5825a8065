import { describe, expect, it } from "vitest";
import { RejectedCopiesSweepSchedule, refusalCallsForSweep } from "./rejected-copies-sweep.js";
import type { ShelfRefusalCode } from "./shelf-refusal.js";

const OTHER_REFUSALS: ShelfRefusalCode[] = [
  "UNREACHABLE",
  "ENDPOINT_MISSING",
  "SECURITY_REJECTED",
  "IDENTITY_REJECTED",
  "SESSION_FAILED",
  "CONNECTION_LOST",
  "SECRET_UNAVAILABLE",
  "INSECURE",
];

describe("refusalCallsForSweep", () => {
  it("is true for an untrusted server certificate alone", () => {
    expect(refusalCallsForSweep("SERVER_CERTIFICATE_UNTRUSTED")).toBe(true);
    for (const code of OTHER_REFUSALS) expect(refusalCallsForSweep(code), code).toBe(false);
  });
});

describe("RejectedCopiesSweepSchedule", () => {
  it("sweeps before the first attempt", () => {
    expect(new RejectedCopiesSweepSchedule().due).toBe(true);
  });

  it("does not sweep again after refusals that cannot have left a stale copy", () => {
    const schedule = new RejectedCopiesSweepSchedule();
    schedule.swept();
    for (const code of OTHER_REFUSALS) {
      schedule.refused(code);
      expect(schedule.due, code).toBe(false);
    }
  });

  it("sweeps once before the attempt after an untrusted server certificate, then not again", () => {
    const schedule = new RejectedCopiesSweepSchedule();
    schedule.swept();
    schedule.refused("SERVER_CERTIFICATE_UNTRUSTED");
    expect(schedule.due).toBe(true);
    schedule.swept();
    expect(schedule.due).toBe(false);
    schedule.refused("UNREACHABLE");
    expect(schedule.due).toBe(false);
  });

  it("stays due while a sweep has not finished, whatever the refusals in between", () => {
    const schedule = new RejectedCopiesSweepSchedule();
    schedule.refused("UNREACHABLE");
    expect(schedule.due).toBe(true);
    schedule.refused("SERVER_CERTIFICATE_UNTRUSTED");
    schedule.refused("CONNECTION_LOST");
    expect(schedule.due).toBe(true);
  });
});
