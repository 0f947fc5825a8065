import { describe, expect, it } from "vitest";
import { JournalCheckpoints, type JournalCheckpointsOptions } from "./journal-checkpoints.js";

/** A sync the test settles by hand, and what the journal was told. */
function rig(overrides: Partial<JournalCheckpointsOptions> = {}) {
  const syncs: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const checkpoints: number[] = [];
  const failures: string[] = [];
  let watermark = 0;
  let waiting = false;
  const checkpointsUnderTest = new JournalCheckpoints({
    journal: {
      checkpoint: async (seq) => {
        checkpoints.push(seq);
      },
    },
    outbox: { sync: () => new Promise((resolve, reject) => syncs.push({ resolve, reject })) },
    watermark: () => watermark,
    eventsWaiting: () => waiting,
    contextMs: 1000,
    now: () => 10_000,
    onSyncFailure: (error) => failures.push(`sync: ${error.message}`),
    onCheckpointFailure: (error) => failures.push(`checkpoint: ${error.message}`),
    ...overrides,
  });
  return {
    checkpoints,
    failures,
    syncs,
    tick: () => checkpointsUnderTest.tick(),
    setWatermark: (seq: number) => {
      watermark = seq;
    },
    setWaiting: (value: boolean) => {
      waiting = value;
    },
  };
}

describe("JournalCheckpoints", () => {
  it("checkpoints the previous tick's watermark only once an outbox sync started after it has resolved", async () => {
    const r = rig();
    r.setWatermark(5);
    await r.tick();
    // Nothing to checkpoint yet: the first tick only notes the watermark.
    expect(r.syncs).toHaveLength(0);
    r.setWatermark(9);
    const second = r.tick();
    expect(r.syncs).toHaveLength(1);
    expect(r.checkpoints).toEqual([]);
    // Ticks while the sync is under way change nothing.
    await r.tick();
    expect(r.syncs).toHaveLength(1);
    r.syncs[0]?.resolve();
    await second;
    expect(r.checkpoints).toEqual([5]);
    const third = r.tick();
    r.syncs[1]?.resolve();
    await third;
    expect(r.checkpoints).toEqual([5, 9]);
  });

  it("keeps the checkpoint where it is when the sync fails, and says so", async () => {
    const r = rig();
    r.setWatermark(5);
    await r.tick();
    const second = r.tick();
    r.syncs[0]?.reject(new Error("EIO"));
    await second;
    expect(r.checkpoints).toEqual([]);
    expect(r.failures).toEqual(["sync: EIO"]);
  });

  it("neither syncs nor checkpoints while events wait to go into the outbox", async () => {
    const r = rig();
    r.setWatermark(5);
    await r.tick();
    r.setWaiting(true);
    await r.tick();
    expect(r.syncs).toHaveLength(0);
    r.setWaiting(false);
    // The candidate was dropped while events waited: the next tick only notes a new one.
    await r.tick();
    expect(r.syncs).toHaveLength(0);
    expect(r.checkpoints).toEqual([]);
  });

  it("reports a failed checkpoint write and tries again at the next tick", async () => {
    let fail = true;
    const done: number[] = [];
    const r = rig({
      journal: {
        checkpoint: async (seq) => {
          if (fail) throw new Error("SQLITE_BUSY");
          done.push(seq);
        },
      },
      outbox: { sync: async () => undefined },
    });
    r.setWatermark(3);
    await r.tick();
    await r.tick();
    expect(r.failures).toEqual(["checkpoint: SQLITE_BUSY"]);
    fail = false;
    await r.tick();
    expect(done).toEqual([3]);
  });
});
