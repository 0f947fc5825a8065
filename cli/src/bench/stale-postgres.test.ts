import { describe, expect, it } from "vitest";
import { type BenchClusterFacts, pidIn, sweepActionFor } from "./stale-postgres.js";

const facts = (fields: Partial<BenchClusterFacts>): BenchClusterFacts => ({
  dir: "/tmp/tally-bench-pg-abc",
  ownerPid: 4242,
  ownerAlive: false,
  postmasterPid: 5151,
  postmasterRunsHere: true,
  ...fields,
});

describe("sweepActionFor", () => {
  it("never touches a cluster whose owner is alive, running or not", () => {
    for (const postmasterRunsHere of [true, false]) {
      expect(sweepActionFor(facts({ ownerAlive: true, postmasterRunsHere }))).toEqual({
        kind: "keep",
        dir: "/tmp/tally-bench-pg-abc",
        why: "owner alive",
      });
    }
  });

  it("keeps a folder that names no owner: an older version's, or one still being made", () => {
    expect(sweepActionFor(facts({ ownerPid: undefined }))).toMatchObject({ kind: "keep", why: "no owner recorded" });
  });

  it("stops the postmaster of a cluster whose owner is gone, then removes it", () => {
    expect(sweepActionFor(facts({}))).toEqual({
      kind: "stop-and-remove",
      dir: "/tmp/tally-bench-pg-abc",
      postmasterPid: 5151,
    });
  });

  it("only removes the folder when its server is not running, or its pid is now another process's", () => {
    expect(sweepActionFor(facts({ postmasterPid: undefined, postmasterRunsHere: false }))).toEqual({
      kind: "remove",
      dir: "/tmp/tally-bench-pg-abc",
    });
    expect(sweepActionFor(facts({ postmasterRunsHere: false }))).toMatchObject({ kind: "remove" });
  });
});

describe("pidIn", () => {
  it("reads the pid on a pid file's first line", () => {
    expect(pidIn("4242\n")).toBe(4242);
    expect(pidIn("5151\n/tmp/tally-bench-pg-abc/data\n1796435111\n43433\n")).toBe(5151);
  });

  it("finds none in a missing, empty or garbled file", () => {
    for (const text of [undefined, "", "\n", "abc\n", "-1\n", "0\n", "12 34\n"])
      expect(pidIn(text), text).toBe(undefined);
  });
});
