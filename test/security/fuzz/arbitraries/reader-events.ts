import type { ReaderFormat } from "@tally/protocols";
import fc from "fast-check";
import { epcHex, tagRead, timestamp } from "./device-messages.js";

/** `2026-01-01T12:00:00.123+0000`: Zebra's IoT Connector writes the offset without its colon. */
const zebraTimestamp = timestamp.map((t) => t.replace(/Z$/, "+0000").replace(/([+-]\d{2}):(\d{2})$/, "$1$2"));

/** Impinj reports nanoseconds. */
const impinjTimestamp = fc
  .tuple(timestamp, fc.integer({ min: 0, max: 999_999 }))
  .map(([t, ns]) => t.replace(/(\.\d{3})/, `$1${String(ns).padStart(6, "0")}`));

const zebraRead = fc.record(
  {
    type: fc.constantFrom("SIMPLE", "PORTAL", "INVENTORY"),
    timestamp: zebraTimestamp,
    data: fc.record(
      {
        eventNum: fc.nat(),
        format: fc.constant("epc"),
        idHex: epcHex,
        antenna: fc.integer({ min: 1, max: 64 }),
        peakRssi: fc.integer({ min: -120, max: 0 }),
        reads: fc.nat(100),
        channel: fc.double({ min: 902, max: 928, noNaN: true }),
        MAC: fc.constant("84:24:8D:EE:1A:2B"),
      },
      { requiredKeys: ["idHex", "antenna", "peakRssi"] },
    ),
  },
  { requiredKeys: ["type", "timestamp", "data"] },
);

const zebraHeartbeat = fc.record({
  type: fc.constant("heartbeat"),
  timestamp: zebraTimestamp,
  data: fc.record({ radioConnection: fc.constant("connected"), temperature: fc.integer({ min: 0, max: 90 }) }),
});

const impinjRead = fc.record(
  {
    timestamp: impinjTimestamp,
    hostname: fc.constant("impinj-12-34-56"),
    eventType: fc.constant("tagInventory"),
    tagInventoryEvent: fc.record(
      {
        epcHex,
        antennaPort: fc.integer({ min: 1, max: 64 }),
        peakRssiCdbm: fc.integer({ min: -12_000, max: 0 }),
        frequency: fc.integer({ min: 902_000, max: 928_000 }),
        lastSeenTime: impinjTimestamp,
      },
      { requiredKeys: ["epcHex", "antennaPort", "peakRssiCdbm"] },
    ),
  },
  { requiredKeys: ["timestamp", "eventType", "tagInventoryEvent"] },
);

const impinjOther = fc.oneof(
  impinjTimestamp.map((t) => ({
    timestamp: t,
    eventType: "antennaConnected",
    antennaConnectedEvent: { antennaPort: 2 },
  })),
  impinjTimestamp.map((t) => ({
    timestamp: t,
    eventType: "overflow",
    overflowEvent: { eventsPurged: 12, eventsRemaining: 3, firstEventTimestamp: t, lastEventTimestamp: t },
  })),
);

/** A valid event of a dialect, and whether it is a tag read. */
export interface ReaderEvent {
  event: unknown;
  isRead: boolean;
}

const read = (event: unknown): ReaderEvent => ({ event, isRead: true });
const other = (event: unknown): ReaderEvent => ({ event, isRead: false });

export const READER_EVENTS: Readonly<Record<ReaderFormat, fc.Arbitrary<ReaderEvent>>> = {
  generic: fc.array(tagRead, { minLength: 1, maxLength: 3 }).map((reads) => read({ reads })),
  zebra: fc.oneof({ weight: 4, arbitrary: zebraRead.map(read) }, { weight: 1, arbitrary: zebraHeartbeat.map(other) }),
  impinj: fc.oneof({ weight: 4, arbitrary: impinjRead.map(read) }, { weight: 1, arbitrary: impinjOther.map(other) }),
};

/** How the events travel: one object, a JSON array, or one per line. */
export type Framing = "single" | "array" | "ndjson";

/** A valid payload of a dialect: its text, its framing and the reads it holds. */
export interface ReaderPayloadCase {
  format: ReaderFormat;
  framing: Framing;
  events: unknown[];
  reads: number;
}

export function frame(framing: Framing, events: readonly unknown[]): string {
  switch (framing) {
    case "single":
      return JSON.stringify(events[0]);
    case "array":
      return JSON.stringify(events);
    case "ndjson":
      return events.map((e) => JSON.stringify(e)).join("\n");
  }
}

function countReads(format: ReaderFormat, events: readonly ReaderEvent[]): number {
  if (format !== "generic") return events.filter((e) => e.isRead).length;
  return events.reduce((n, e) => n + (e.event as { reads: unknown[] }).reads.length, 0);
}

export const readerPayload = (format: ReaderFormat): fc.Arbitrary<ReaderPayloadCase> =>
  fc
    .tuple(
      fc.constantFrom<Framing>("single", "array", "ndjson"),
      fc.array(READER_EVENTS[format], { minLength: 1, maxLength: 4 }),
    )
    .map(([framing, events]) => {
      // One object carries one event only.
      const kept = framing === "single" ? events.slice(0, 1) : events;
      return { format, framing, events: kept.map((e) => e.event), reads: countReads(format, kept) };
    });
