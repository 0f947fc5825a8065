import { describe, expect, it } from "vitest";
import { EdgeRegistry } from "./edge-registry.js";

const A = "0190c7e4-0000-7000-8000-00000000000a";
const B = "0190c7e4-0000-7000-8000-00000000000b";
const C = "0190c7e4-0000-7000-8000-00000000000c";

const clock = () => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
};
const from = (instanceId?: string) => ({ edgeId: "E1", siteId: "S", instanceId });

describe("EdgeRegistry", () => {
  it("admits an edge that restarts: the new instance takes over", () => {
    const time = clock();
    const registry = new EdgeRegistry({ graceMs: 10_000, now: time.now });
    expect(registry.admit(from(A)).admitted).toBe(true);
    time.advance(60_000);
    expect(registry.admit(from(B)).admitted).toBe(true);
    time.advance(60_000);
    expect(registry.admit(from(B)).admitted).toBe(true);
    expect(registry.admit(from(C)).admitted).toBe(true);
    expect(registry.get("E1")?.instanceId).toBe(C);
  });

  it("accepts the old instance's late batches within the grace period", () => {
    const time = clock();
    const registry = new EdgeRegistry({ graceMs: 10_000, now: time.now });
    registry.admit(from(A));
    registry.admit(from(B));
    time.advance(5000);
    expect(registry.admit(from(A)).admitted).toBe(true);
  });

  it("quarantines an identity two live processes use, once, until released", () => {
    const time = clock();
    const registry = new EdgeRegistry({ graceMs: 10_000, now: time.now });
    registry.admit(from(A));
    registry.admit(from(B));
    time.advance(11_000);
    const caught = registry.admit(from(A));
    expect(caught).toMatchObject({ admitted: false, newlyQuarantined: true });
    expect(caught.admitted === false && caught.reason).toMatch(/two edge processes send as E1/);
    // Every later batch, from either process, is refused without raising again.
    expect(registry.admit(from(B))).toMatchObject({ admitted: false, newlyQuarantined: false });
    expect(registry.get("E1")?.quarantine?.reason).toMatch(/E1/);
    expect(registry.release("E1")).toBe(true);
    expect(registry.admit(from(B)).admitted).toBe(true);
    expect(registry.release("nope")).toBe(false);
  });

  it("admits edges that send no instance id, and keeps other edges apart", () => {
    const registry = new EdgeRegistry();
    expect(registry.admit(from()).admitted).toBe(true);
    expect(registry.admit({ edgeId: "E2", siteId: "S", instanceId: A }).admitted).toBe(true);
    expect(registry.admit({ edgeId: "E3", siteId: "S", instanceId: A }).admitted).toBe(true);
  });

  it("counts resends and gaps in the sequence numbers", () => {
    const registry = new EdgeRegistry();
    const commit = (seq: number) => registry.committed({ edgeId: "E1", siteId: "S", seq });
    for (const seq of [4, 5, 6, 5, 9, 10]) commit(seq);
    expect(registry.get("E1")).toMatchObject({ lastSeq: 10, batches: 6, resends: 1, seqGaps: 2 });
    expect(registry.totalSeqGaps()).toBe(2);
  });
});
