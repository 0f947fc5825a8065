import { TestScheduler } from "rxjs/testing";
import { describe, expect, it } from "vitest";
import { tagPass } from "../testing/tag-pass.js";
import type { TagPass } from "./detect-passes.js";
import { type CandidateOutcome, groupCrossings } from "./group-crossings.js";

const crossing = (epc: string, fields: Partial<TagPass> = {}): TagPass =>
  tagPass({
    portalId: "portal-d1",
    epc,
    reads: 6,
    maxRssi: -42,
    crossingAt: "2026-11-22T08:00:01.000Z",
    ...fields,
  });
const candidate = (epc: string, evidence: TagPass["evidence"], fields: Partial<TagPass> = {}): TagPass => {
  const { direction: _d, directionFrom: _f, crossingAt: _c, ...rest } = crossing(epc);
  return { ...rest, verdict: "candidate", evidence, maxRssi: -44, ...fields };
};

const config = { holdMs: 100, windowMs: 2000, minAgreement: 0.8, maxWeakerDb: 8 };
const run = (
  marbles: string,
  values: Record<string, TagPass>,
  expected: string,
  out: Record<string, unknown>,
  outcomes: CandidateOutcome[] = [],
) =>
  new TestScheduler((a, e) => expect(a).toEqual(e)).run(({ cold, expectObservable }) => {
    expectObservable(
      cold(marbles, values).pipe(groupCrossings(config, undefined, (_, outcome) => outcomes.push(outcome))),
    ).toBe(expected, out);
  });

describe("groupCrossings", () => {
  it("lets crossings through at once; a one-sided tag beside them crosses too, at their time", () => {
    const outcomes: CandidateOutcome[] = [];
    run(
      "a b c 200ms |",
      { a: crossing("A"), b: candidate("B", "one-sided"), c: crossing("C") },
      "a - c 98ms b 101ms |",
      {
        a: crossing("A"),
        c: crossing("C"),
        b: expect.objectContaining({
          epc: "B",
          verdict: "crossing",
          direction: "inbound",
          directionFrom: "group",
          crossingAt: "2026-11-22T08:00:01.000Z",
        }),
      },
      outcomes,
    );
    expect(outcomes).toEqual(["joined"]);
  });

  it("drops a one-sided candidate with no crossing beside it: an approach that turned back", () => {
    const outcomes: CandidateOutcome[] = [];
    run("a 200ms |", { a: candidate("A", "one-sided") }, "201ms |", {}, outcomes);
    expect(outcomes).toEqual(["turned-back"]);
  });

  it("makes an unordered candidate with no crossing beside it unconfirmed", () => {
    run("a 200ms |", { a: candidate("A", "unordered") }, "100ms a 100ms |", {
      a: expect.objectContaining({ verdict: "unconfirmed", evidence: "unordered" }),
    });
  });

  it("does not follow crossings at another portal, long before, in no agreed direction, or read much more strongly", () => {
    const far = { firstAt: "2026-11-22T08:05:00.000Z", lastAt: "2026-11-22T08:05:01.000Z" };
    run(
      "a b c d e f 200ms |",
      {
        a: crossing("A", { portalId: "portal-d2" }),
        b: candidate("B", "one-sided"),
        c: candidate("C", "one-sided", far),
        d: crossing("D", { portalId: "portal-d3" }),
        e: crossing("E", { portalId: "portal-d3", direction: "outbound" }),
        f: candidate("F", "one-sided", { portalId: "portal-d3" }),
      },
      "a 2ms d e 201ms |",
      {
        a: expect.objectContaining({ epc: "A" }),
        d: expect.objectContaining({ epc: "D" }),
        e: expect.objectContaining({ epc: "E" }),
      },
    );
    // A pallet standing further off while a pallet passes: read much more weakly than the crossings.
    run("a b 200ms |", { a: crossing("A"), b: candidate("B", "one-sided", { maxRssi: -60 }) }, "a 201ms |", {
      a: crossing("A"),
    });
  });
});
