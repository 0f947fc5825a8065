import type { CommitAck } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { commitNudgesForwarder } from "./commit-nudges.js";

const ack = (over: Partial<CommitAck>): CommitAck => ({
  v: 1,
  edgeId: "edge-1",
  batchId: "b",
  seq: 0,
  status: "committed",
  committed: [],
  duplicates: [],
  rejected: [],
  committedAt: "2026-12-01T08:00:00.000Z",
  ...over,
});

describe("commitNudgesForwarder", () => {
  it("nudges for committed events and for readings taken as columns, not for an ack that took nothing", () => {
    expect(commitNudgesForwarder(ack({ committed: ["e1"] }))).toBe(true);
    expect(commitNudgesForwarder(ack({ readings: { committed: 5000 } }))).toBe(true);
    expect(commitNudgesForwarder(ack({ readings: { committed: 0 }, duplicates: ["e1"] }))).toBe(false);
    expect(commitNudgesForwarder(ack({}))).toBe(false);
  });
});
