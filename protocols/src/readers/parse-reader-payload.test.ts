import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_DEVICE_MESSAGE_BYTES } from "../device-messages.js";
import type { ReaderFormat } from "../site-layout.js";
import { parseReaderPayload } from "./parse-reader-payload.js";
import type { ReaderPayload, ReaderResult } from "./reader-result.js";

// Fixtures follow the vendors' documented formats; fixtures/README.md cites the sources.
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

/** The TDS worked example, read once on antenna 1 at −56 dBm: the same read in every dialect. */
const SAME_READ = { epc: "3074257BF7194E4000001A85", antenna: 1, rssi: -56, readAt: "2026-01-01T12:00:00.123Z" };
const SECOND_READ = { epc: "E2801190A5021F80055817CA", antenna: 2 };

function accepted(result: ReaderResult): ReaderPayload {
  if (!result.ok) throw new Error(`refused: ${result.error.code} ${result.error.reason}`);
  return result.value;
}

const zebraEvent = (data: Record<string, unknown>, timestamp = "2026-01-01T12:00:00.123+0000") => ({
  type: "SIMPLE",
  timestamp,
  data: { eventNum: 1, format: "epc", idHex: SAME_READ.epc, antenna: 1, peakRssi: -56, reads: 1, ...data },
});
const impinjEvent = (tag: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  timestamp: "2026-01-01T12:00:00.130000000Z",
  hostname: "impinj-12-34-56",
  eventType: "tagInventory",
  tagInventoryEvent: {
    epcHex: SAME_READ.epc,
    antennaPort: 1,
    peakRssiCdbm: -5600,
    lastSeenTime: "2026-01-01T12:00:00.123456789Z",
    ...tag,
  },
  ...extra,
});
const heartbeat = { type: "heartbeat", timestamp: "2026-01-01T12:00:01.000+0000", data: { temperature: 41 } };
const json = (value: unknown) => JSON.stringify(value);

describe("parseReaderPayload: vendor fixtures", () => {
  it("normalises the same read alike from generic, Zebra and Impinj payloads", () => {
    const generic = accepted(parseReaderPayload("generic", fixture("generic-read.json")));
    const zebra = accepted(parseReaderPayload("zebra", fixture("zebra-tag.json")));
    const impinj = accepted(parseReaderPayload("impinj", fixture("impinj-tag-base64.json")));
    expect(generic.reads).toEqual([SAME_READ]);
    expect(zebra.reads).toEqual([{ ...SAME_READ, reader: "FX9600EECCA8" }]);
    expect(impinj.reads).toEqual([{ ...SAME_READ, reader: "impinj-12-34-56" }]);
    for (const value of [generic, zebra, impinj]) {
      expect(value.skipped).toBe(0);
      expect(value.notices).toEqual([]);
    }
  });

  it("Zebra, JSON array: keeps reads, normalises +0000/+0100 offsets, skips heartbeat, GPI and TID-format events", () => {
    const value = accepted(parseReaderPayload("zebra", fixture("zebra-events.json")));
    expect(value).toEqual({
      format: "zebra",
      reads: [SAME_READ, { ...SECOND_READ, rssi: -61, readAt: "2026-01-01T12:00:00.456Z" }],
      skipped: 3,
      notices: [],
    });
  });

  it("Zebra, NDJSON (blank lines ignored, -0500 offset)", () => {
    const value = accepted(parseReaderPayload("zebra", fixture("zebra-events.ndjson")));
    expect(value.reads).toEqual([SAME_READ, { ...SECOND_READ, rssi: -61, readAt: "2026-01-01T12:00:00.456Z" }]);
    expect(value.skipped).toBe(1);
  });

  it("Zebra: names the reader by MAC when no hostname is reported", () => {
    const value = accepted(parseReaderPayload("zebra", json(zebraEvent({ MAC: "84:24:8D:EE:CC:A8" }))));
    expect(value.reads[0]?.reader).toBe("84:24:8D:EE:CC:A8");
    expect(accepted(parseReaderPayload("zebra", json(zebraEvent({})))).reads).toEqual([SAME_READ]);
  });

  it("Impinj, webhook array: centi-dBm to dBm, overflow becomes a notice, other events are skipped", () => {
    const value = accepted(parseReaderPayload("impinj", fixture("impinj-events.json")));
    expect(value).toEqual({
      format: "impinj",
      reads: [
        { ...SAME_READ, reader: "impinj-12-34-56" },
        { ...SECOND_READ, rssi: -61.25, readAt: "2026-01-01T12:00:00.449Z", reader: "impinj-12-34-56" },
      ],
      skipped: 2,
      notices: [
        {
          kind: "reader-overflow",
          index: 3,
          reader: "impinj-12-34-56",
          at: "2026-01-01T12:00:05.000Z",
          eventsPurged: 1532,
          eventsRemaining: 2048,
          firstPurgedAt: "2026-01-01T12:00:01.000Z",
          lastPurgedAt: "2026-01-01T12:00:04.900Z",
        },
      ],
    });
  });

  it("Impinj, HTTP stream NDJSON: epcHex and base64 epc both give upper-case hex", () => {
    const value = accepted(parseReaderPayload("impinj", fixture("impinj-stream.ndjson")));
    expect(value.reads.map((r) => r.epc)).toEqual([SAME_READ.epc, SECOND_READ.epc]);
    expect(value.skipped).toBe(1);
  });

  it("Impinj: an overflow alone is accepted with no reads, and needs no details", () => {
    const overflow = { timestamp: "2026-01-01T12:00:05Z", eventType: "overflow", overflowEvent: {} };
    expect(accepted(parseReaderPayload("impinj", json(overflow)))).toEqual({
      format: "impinj",
      reads: [],
      skipped: 0,
      notices: [{ kind: "reader-overflow", index: 0, at: "2026-01-01T12:00:05.000Z" }],
    });
  });

  it("Impinj: falls back to the event timestamp without lastSeenTime, and infers eventType on older firmware", () => {
    const event = impinjEvent({ lastSeenTime: undefined });
    expect(accepted(parseReaderPayload("impinj", json(event))).reads[0]?.readAt).toBe("2026-01-01T12:00:00.130Z");
    const { eventType: _, ...noType } = impinjEvent({});
    expect(accepted(parseReaderPayload("impinj", json(noType))).reads).toEqual([
      { ...SAME_READ, reader: "impinj-12-34-56" },
    ]);
  });

  it("accepts bytes as well as text, and a UTF-8 byte order mark", () => {
    const bytes = new TextEncoder().encode(`\uFEFF${fixture("zebra-tag.json")}`);
    expect(accepted(parseReaderPayload("zebra", bytes)).reads).toHaveLength(1);
  });

  it("keeps unknown vendor fields out without refusing them", () => {
    const event = zebraEvent({ TID: "E2003412013BFD000B4E16D2", userDefined: { zone: "dock" }, phase: 1.2 });
    expect(accepted(parseReaderPayload("zebra", json({ ...event, newTopLevel: [1, 2] }))).reads).toEqual([SAME_READ]);
  });

  it("takes a generic array of messages and NDJSON too", () => {
    const message = json({ reads: [{ ...SAME_READ, epc: SAME_READ.epc.toLowerCase() }] });
    expect(accepted(parseReaderPayload("generic", `[${message},${message}]`)).reads).toEqual([SAME_READ, SAME_READ]);
    expect(accepted(parseReaderPayload("generic", `${message}\r\n${message}\r\n`)).reads).toHaveLength(2);
  });
});

describe("parseReaderPayload: refusals", () => {
  const refused = (format: ReaderFormat, payload: Uint8Array | string, opts?: { maxBytes?: number }) => {
    const result = parseReaderPayload(format, payload, opts);
    if (result.ok) throw new Error(`accepted: ${JSON.stringify(result.value)}`);
    return result.error;
  };

  it.each<[string, string]>([
    ["empty", ""],
    ["blank", "  \n\t\r\n "],
    ["truncated", '{"type":"SIMPLE"'],
    ["not JSON", "hello"],
    ["control bytes", "\u0000\u0001"],
    ["two objects on a line", `${json(heartbeat)}${json(heartbeat)}`],
  ])("%s is not JSON", (_, payload) => {
    for (const format of ["generic", "zebra", "impinj"] as const) {
      expect(refused(format, payload).code).toBe("TALLY_ERR_MSG_NOT_JSON");
    }
  });

  it("refuses invalid UTF-8 bytes rather than guessing", () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]);
    expect(refused("zebra", bytes)).toMatchObject({ code: "TALLY_ERR_MSG_NOT_JSON", reason: "not UTF-8" });
  });

  it("refuses oversize payloads unparsed, by bytes not characters", () => {
    expect(refused("zebra", "x".repeat(MAX_DEVICE_MESSAGE_BYTES + 1)).code).toBe("TALLY_ERR_MSG_TOO_LARGE");
    expect(refused("impinj", new Uint8Array(MAX_DEVICE_MESSAGE_BYTES + 1)).code).toBe("TALLY_ERR_MSG_TOO_LARGE");
    // 100,000 three-byte characters: under the limit in characters, over it in bytes.
    expect(refused("generic", "€".repeat(100_000)).code).toBe("TALLY_ERR_MSG_TOO_LARGE");
    expect(refused("zebra", fixture("zebra-tag.json"), { maxBytes: 100 }).code).toBe("TALLY_ERR_MSG_TOO_LARGE");
  });

  it.each(["null", "42", '"SIMPLE"', "true", "[]"])("refuses %s as a payload", (payload) => {
    expect(refused("zebra", payload).code).toBe("TALLY_ERR_MSG_SCHEMA");
    expect(refused("impinj", payload).code).toBe("TALLY_ERR_MSG_SCHEMA");
  });

  it("refuses 1,001 events, and 1,001 reads across generic messages, whatever the framing", () => {
    const many = Array.from({ length: 1001 }, () => heartbeat);
    expect(refused("zebra", json(many)).code).toBe("TALLY_ERR_MSG_SCHEMA");
    expect(refused("zebra", many.map(json).join("\n")).code).toBe("TALLY_ERR_MSG_SCHEMA");
    expect(accepted(parseReaderPayload("zebra", json(many.slice(1)))).skipped).toBe(1000);
    const reads = (n: number) => ({ reads: Array.from({ length: n }, () => SAME_READ) });
    expect(refused("generic", json(reads(1001))).code).toBe("TALLY_ERR_MSG_SCHEMA");
    expect(refused("generic", json([reads(600), reads(401)]))).toMatchObject({
      code: "TALLY_ERR_MSG_SCHEMA",
      index: 1,
    });
    expect(accepted(parseReaderPayload("generic", json([reads(600), reads(400)]))).reads).toHaveLength(1000);
  });

  it("refuses a whole NDJSON payload for one bad line, naming the first bad event", () => {
    const lines = [json(zebraEvent({})), json(heartbeat), '{"type":"SIMPLE",', json(zebraEvent({}))];
    expect(refused("zebra", lines.join("\n"))).toMatchObject({ code: "TALLY_ERR_MSG_NOT_JSON", index: 2 });
    expect(refused("zebra", lines.join("\n")).reason).toMatch(/^line 3: not JSON/);
    const wrong = [json(zebraEvent({})), "", json(zebraEvent({ antenna: 0 }))];
    expect(refused("zebra", wrong.join("\n"))).toMatchObject({ code: "TALLY_ERR_MSG_SCHEMA", index: 1 });
  });

  it("reports a broken pretty-printed array as JSON, not as NDJSON", () => {
    const broken = JSON.stringify([zebraEvent({}), heartbeat], null, 2).replace('"heartbeat"', "heartbeat");
    const error = refused("zebra", broken);
    expect(error.code).toBe("TALLY_ERR_MSG_NOT_JSON");
    expect(error.index).toBeUndefined();
    expect(error.reason).not.toMatch(/^line/);
  });

  it("refuses a whole array for one bad event: nothing is half-applied", () => {
    const events = [zebraEvent({}), heartbeat, zebraEvent({ peakRssi: "-56" })];
    expect(refused("zebra", json(events))).toMatchObject({ code: "TALLY_ERR_MSG_SCHEMA", index: 2 });
  });

  it.each<[string, unknown, RegExp]>([
    ["antenna as a string", zebraEvent({ antenna: "1" }), /antenna/],
    ["antenna 0", zebraEvent({ antenna: 0 }), /antenna/],
    ["antenna 65", zebraEvent({ antenna: 65 }), /antenna/],
    ["no antenna", zebraEvent({ antenna: undefined }), /enable ANTENNA/],
    ["no RSSI", zebraEvent({ peakRssi: undefined }), /enable RSSI/],
    ["RSSI above 0 dBm", zebraEvent({ peakRssi: 3 }), /peakRssi/],
    ["RSSI NaN-ish", zebraEvent({ peakRssi: null }), /peakRssi/],
    ["idHex as a number", zebraEvent({ idHex: 3074 }), /idHex/],
    ["idHex not hex", zebraEvent({ idHex: "3074257BF7194E40000G1A85" }), /idHex/],
    ["idHex too short", zebraEvent({ idHex: "3074" }), /idHex/],
    ["idHex in full-width digits", zebraEvent({ idHex: "３０７４２５７Ｂ" }), /idHex/],
    ["timestamp without zone", zebraEvent({}, "2026-01-01T12:00:00.123"), /timestamp/],
    ["timestamp as epoch", { ...zebraEvent({}), timestamp: 1767268800123 }, /timestamp/],
    ["30 February", zebraEvent({}, "2026-02-30T12:00:00.123+0000"), /timestamp/],
    ["no envelope", { idHex: SAME_READ.epc, antenna: 1, peakRssi: -56 }, /not a Zebra event/],
    ["an array as event", [[zebraEvent({})]], /not a Zebra event/],
    ["a number as event", [1], /not a Zebra event/],
    ["a generic message", { reads: [SAME_READ] }, /not a Zebra event/],
  ])("Zebra: refuses %s", (_, payload, reason) => {
    const error = refused("zebra", json(payload));
    expect(error.code).toBe("TALLY_ERR_MSG_SCHEMA");
    expect(error.index).toBe(0);
    expect(error.reason).toMatch(reason);
  });

  it.each<[string, unknown, RegExp]>([
    ["base64 of the wrong length", impinjEvent({ epcHex: undefined, epc: "MHQle/cZTkAAABq" }), /base64/],
    ["base64 with junk", impinjEvent({ epcHex: undefined, epc: "!!!!MHQle/cZTkAA" }), /base64/],
    ["URL-safe base64", impinjEvent({ epcHex: undefined, epc: "MHQle_cZTkAAABqF" }), /base64/],
    ["base64 of too few bytes", impinjEvent({ epcHex: undefined, epc: "AAAA" }), /epc/],
    ["empty base64", impinjEvent({ epcHex: undefined, epc: "" }), /epc/],
    ["epc and epcHex disagreeing", impinjEvent({ epc: "4oARkKUCH4AFWBfK" }), /disagree/],
    ["no EPC at all", impinjEvent({ epcHex: undefined }), /neither epc nor epcHex/],
    ["RSSI in dBm instead of cdBm", impinjEvent({ peakRssiCdbm: -56.5 }), /peakRssiCdbm/],
    ["RSSI above 0", impinjEvent({ peakRssiCdbm: 100 }), /peakRssiCdbm/],
    ["no antennaPort", impinjEvent({ antennaPort: undefined }), /antennaPort/],
    ["antennaPort as a string", impinjEvent({ antennaPort: "1" }), /antennaPort/],
    ["tagInventory without its event", { ...impinjEvent({}), tagInventoryEvent: undefined }, /tagInventoryEvent/],
    ["tagInventoryEvent as an array", { ...impinjEvent({}), tagInventoryEvent: [] }, /tagInventoryEvent/],
    ["bad lastSeenTime", impinjEvent({ lastSeenTime: "2026-01-01T12:00:00" }), /lastSeenTime/],
    ["no timestamp", { ...impinjEvent({}), timestamp: undefined }, /timestamp/],
    ["no eventType nor known event", { timestamp: "2026-01-01T12:00:00Z", hostname: "impinj-1" }, /eventType/],
    ["eventType as a number", { ...impinjEvent({}), eventType: 7 }, /eventType/],
    [
      "overflow counts negative",
      { ...impinjEvent({}), eventType: "overflow", overflowEvent: { eventsPurged: -1 } },
      /eventsPurged/,
    ],
    ["hostname as an object", impinjEvent({}, { hostname: { name: "x" } }), /hostname/],
    ["a Zebra event", zebraEvent({}), /Impinj/],
  ])("Impinj: refuses %s", (_, payload, reason) => {
    const error = refused("impinj", json(payload));
    expect(error.code).toBe("TALLY_ERR_MSG_SCHEMA");
    expect(error.index).toBe(0);
    expect(error.reason).toMatch(reason);
  });

  it("refuses deep nesting quickly without overflowing the stack", () => {
    const depth = 50_000;
    const nested = `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const inData = `{"type":"SIMPLE","timestamp":"2026-01-01T12:00:00Z","data":{"idHex":${nested}}}`;
    const started = performance.now();
    for (const format of ["generic", "zebra", "impinj"] as const) {
      expect(refused(format, nested).code).toBe("TALLY_ERR_MSG_SCHEMA");
    }
    expect(refused("zebra", inData).code).toBe("TALLY_ERR_MSG_SCHEMA");
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("lets prototype keys neither through nor into Object.prototype", () => {
    const polluted = `{"type":"SIMPLE","timestamp":"2026-01-01T12:00:00Z","__proto__":{"polluted":1},"data":{"__proto__":{"idHex":"${SAME_READ.epc}"},"constructor":{"prototype":{"polluted":1}}}}`;
    expect(accepted(parseReaderPayload("zebra", polluted)).skipped).toBe(1);
    expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
    expect(refused("generic", `{"reads":[${json(SAME_READ)}],"__proto__":{"x":1}}`).code).toBe("TALLY_ERR_MSG_SCHEMA");
  });

  it("copes with unicode: in hostnames it is kept, in identifiers it is refused", () => {
    const value = accepted(parseReaderPayload("impinj", json(impinjEvent({}, { hostname: "lecteur-quai-é-🚚" }))));
    expect(value.reads[0]?.reader).toBe("lecteur-quai-é-🚚");
    // U+2028 inside a string is valid JSON and not a line break for NDJSON.
    const sep = json(impinjEvent({ antennaName: "dock\u2028door" }));
    expect(accepted(parseReaderPayload("impinj", `${sep}\n${sep}`)).reads).toHaveLength(2);
    expect(refused("impinj", json(impinjEvent({ epcHex: "３０７４257BF7194E4000001A85" }))).code).toBe(
      "TALLY_ERR_MSG_SCHEMA",
    );
    expect(refused("zebra", "\u{1F4E6}").code).toBe("TALLY_ERR_MSG_NOT_JSON");
  });
});

describe("parseReaderPayload: properties", () => {
  const formats = ["generic", "zebra", "impinj"] as const;

  it("never throws on arbitrary text or bytes", () => {
    fc.assert(
      fc.property(fc.constantFrom(...formats), fc.string({ unit: "binary", maxLength: 200 }), (format, text) => {
        const result = parseReaderPayload(format, text);
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.constantFrom(...formats), fc.uint8Array({ maxLength: 200 }), (format, bytes) => {
        expect(typeof parseReaderPayload(format, bytes).ok).toBe("boolean");
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on arbitrary JSON, nor on events with arbitrary fields, and refusals carry a code", () => {
    const anyField = fc.jsonValue({ maxDepth: 3 });
    const eventLike = fc.record(
      {
        type: fc.oneof(fc.constant("SIMPLE"), anyField),
        eventType: fc.oneof(fc.constantFrom("tagInventory", "overflow", "gpi"), anyField),
        timestamp: fc.oneof(fc.constant("2026-01-01T12:00:00.123+0000"), anyField),
        hostname: anyField,
        data: fc.record(
          { idHex: anyField, antenna: anyField, peakRssi: anyField, format: anyField },
          { requiredKeys: [] },
        ),
        tagInventoryEvent: fc.record(
          { epc: anyField, epcHex: anyField, antennaPort: anyField, peakRssiCdbm: anyField, lastSeenTime: anyField },
          { requiredKeys: [] },
        ),
        overflowEvent: anyField,
        reads: anyField,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...formats),
        fc.oneof(fc.jsonValue(), eventLike, fc.array(eventLike, { maxLength: 5 })),
        fc.boolean(),
        (format, value, ndjson) => {
          const text = ndjson && Array.isArray(value) ? value.map((v) => json(v)).join("\n") : json(value);
          const result = parseReaderPayload(format, text ?? "");
          if (!result.ok) expect(result.error.code).toMatch(/^TALLY_ERR_MSG_/);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("the same read in generic, Zebra and Impinj form always normalises alike", () => {
    const read = fc.record({
      epc: fc.stringMatching(/^[0-9A-F]{24}$|^[0-9A-F]{32}$/),
      antenna: fc.integer({ min: 1, max: 64 }),
      cdbm: fc.integer({ min: -120, max: 0 }).map((dbm) => dbm * 100),
      at: fc.date({
        min: new Date("2000-01-01T00:00:00Z"),
        max: new Date("2099-12-31T23:59:59Z"),
        noInvalidDate: true,
      }),
      lowerCase: fc.boolean(),
      base64: fc.boolean(),
    });
    fc.assert(
      fc.property(read, ({ epc, antenna, cdbm, at, lowerCase, base64 }) => {
        const iso = at.toISOString();
        const zebraTime = iso.replace("Z", "+0000");
        const idHex = lowerCase ? epc.toLowerCase() : epc;
        const expected = { epc, antenna, rssi: cdbm / 100, readAt: iso };
        const generic = accepted(
          parseReaderPayload("generic", json({ reads: [{ epc: idHex, antenna, rssi: cdbm / 100, readAt: iso }] })),
        );
        const zebra = accepted(
          parseReaderPayload(
            "zebra",
            json({
              type: "SIMPLE",
              timestamp: zebraTime,
              data: { idHex, antenna, peakRssi: cdbm / 100, format: "epc" },
            }),
          ),
        );
        const tag = base64 ? { epc: Buffer.from(epc, "hex").toString("base64") } : { epcHex: idHex };
        const impinj = accepted(
          parseReaderPayload(
            "impinj",
            json({
              timestamp: iso,
              eventType: "tagInventory",
              tagInventoryEvent: { ...tag, antennaPort: antenna, peakRssiCdbm: cdbm },
            }),
          ),
        );
        expect(generic.reads).toEqual([expected]);
        expect(zebra.reads).toEqual([expected]);
        expect(impinj.reads).toEqual([expected]);
      }),
      { numRuns: 300 },
    );
  });
});
