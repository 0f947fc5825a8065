import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readGenericEvent, readGenericEventBySchema } from "./generic-event.js";

const READ = { epc: "3074257BF7194E4000001A85", antenna: 1, rssi: -56, readAt: "2026-01-01T12:00:00.123Z" };

/** Values on and past each edge of the schema's rules, and of other types. */
const edges = {
  epc: [
    "3074257bf7194e4000001a85",
    "3074257BF7194E40",
    "3074257",
    "3074257G",
    "0".repeat(124),
    "0".repeat(125),
    "",
    42,
  ],
  antenna: [1, 64, 0, 65, 1.5, -1, "1", null, 1e21],
  rssi: [0, -120, -120.5, 0.5, -56.25, "-56", null, -0],
  readAt: [
    "2026-01-01T12:00:00.123+01:00",
    "2026-01-01T12:00:00Z",
    "2026-02-29T00:00:00.000Z",
    "2028-02-29T00:00:00.000Z",
    "1969-12-31T23:59:59.999Z",
    "2026-01-01T24:00:00.000Z",
    "2026-01-01T12:00:00.123z",
    "yesterday",
    1767268800123,
  ],
} as const;

type Change = { swap: [string, unknown] } | { drop: string } | { extra: string };

/** One change to a read: a field set to an edge value, a field dropped, or an unknown key added. */
const change: fc.Arbitrary<Change> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .constantFrom(...Object.entries(edges))
      .chain(([key, values]) => fc.constantFrom(...values).map((value): Change => ({ swap: [key, value] }))),
  },
  { weight: 1, arbitrary: fc.constantFrom("epc", "antenna", "rssi", "readAt").map((drop): Change => ({ drop })) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('"reader":"r1"', '"__proto__":{"epc":"00"}', '"constructor":1')
      .map((extra): Change => ({ extra })),
  },
);

/** A read as JSON text with at most two changes, so that one defect alone is common. */
const read = fc.array(change, { maxLength: 2 }).map((changes) => {
  const fields: Record<string, unknown> = { ...READ };
  const extras: string[] = [];
  for (const c of changes) {
    if ("swap" in c) fields[c.swap[0]] = c.swap[1];
    else if ("drop" in c) delete fields[c.drop];
    else extras.push(c.extra);
  }
  return `{${[JSON.stringify(fields).slice(1, -1), ...extras].filter((part) => part !== "").join(",")}}`;
});

/** Message text, parsed the way frameEvents parses it (so `__proto__` is an own key, as on the wire). */
const message = fc
  .record({
    reads: fc.array(fc.oneof({ weight: 8, arbitrary: read }, fc.constantFrom("null", "[]", '"read"')), {
      maxLength: 3,
    }),
    extra: fc.option(fc.constantFrom('"v":1', '"__proto__":{}'), { freq: 8 }),
  })
  .map(({ reads, extra }) => JSON.parse(`{"reads":[${reads.join(",")}]${extra === null ? "" : `,${extra}`}}`));

describe("readGenericEvent", () => {
  it("reads a canonical message as the schema does", () => {
    const outcome = readGenericEvent({ reads: [READ, { ...READ, epc: READ.epc.toLowerCase(), antenna: 2 }] });
    expect(outcome).toEqual({ kind: "reads", reads: [READ, { ...READ, antenna: 2 }] });
    expect(outcome).toEqual(readGenericEventBySchema({ reads: [READ, { ...READ, antenna: 2 }] }));
  });

  it("gives the schema's outcome and reason for any message, well formed or not", () => {
    fc.assert(
      fc.property(message, (event) => {
        expect(readGenericEvent(event)).toStrictEqual(readGenericEventBySchema(event));
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ["no reads", { reads: [] }],
    ["1,001 reads", { reads: Array.from({ length: 1001 }, () => READ) }],
    ["reads not a list", { reads: READ }],
    ["a list, not a message", [{ reads: [READ] }]],
    ["null", null],
    ["a string", "reads"],
  ])("refuses %s with the schema's reason", (_name, event) => {
    const outcome = readGenericEvent(event);
    expect(outcome.kind).toBe("invalid");
    expect(outcome).toEqual(readGenericEventBySchema(event));
  });
});
