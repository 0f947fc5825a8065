import { decodeDeviceMessage, indexSite } from "@tally/edge";
import { MAX_DEVICE_MESSAGE_BYTES, parseReaderPayload, type ReaderFormat } from "@tally/protocols";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUZZ_SITE } from "./arbitraries/fuzz-site.js";
import { hostilePayload } from "./arbitraries/payloads.js";
import { frame, readerPayload } from "./arbitraries/reader-events.js";
import { fuzz, withinBudget } from "./support/fuzz-runs.js";
import { expectPrototypesUntouched } from "./support/prototypes.js";
import { expectResult } from "./support/refusals.js";

const SUITE = "reader-formats";
const FORMATS: readonly ReaderFormat[] = ["generic", "zebra", "impinj"];
const site = indexSite(FUZZ_SITE);
const PORTAL: Readonly<Record<ReaderFormat, string>> = {
  generic: "portal-generic",
  zebra: "portal-zebra",
  impinj: "portal-impinj",
};
const readTopic = (portal: string) => `tally/v1/${FUZZ_SITE.siteId}/dev/${portal}/read`;

/** A valid payload's framed text: a single event, a JSON array, or NDJSON. */
const validPayload = (format: ReaderFormat) =>
  readerPayload(format).map((p) => ({ ...p, text: frame(p.framing, p.events) }));

describe("fuzz: RFID reader payloads of every vendor dialect", () => {
  it.each(FORMATS)("%s: every valid payload gives all its reads, named or detected", (format) => {
    fuzz(
      SUITE,
      fc.property(validPayload(format), fc.boolean(), (payload, detect) => {
        const result = parseReaderPayload(detect ? "detect" : format, payload.text);
        expect(result).toMatchObject({ ok: true, value: { format } });
        if (result.ok) expect(result.value.reads).toHaveLength(payload.reads);
        const decoded = decodeDeviceMessage(site, readTopic(PORTAL[format]), Buffer.from(payload.text));
        expect(decoded.ok).toBe(true);
      }),
      1_000,
    );
  });

  it.each([...FORMATS, "detect" as const])(
    "parseReaderPayload(%s) refuses hostile payloads of every dialect with a code",
    (format) => {
      const around = fc.constantFrom(...FORMATS).chain((f) => readerPayload(f).map((p) => p.events));
      fuzz(
        SUITE,
        fc.property(hostilePayload(around, MAX_DEVICE_MESSAGE_BYTES), (payload) => {
          const result = withinBudget("parseReaderPayload", () => parseReaderPayload(format, payload));
          expectResult(format, result);
          if (!result.ok && result.error.index !== undefined) expect(result.error.index).toBeGreaterThanOrEqual(0);
          expectPrototypesUntouched();
        }),
        2_000,
      );
    },
  );

  it.each(["zebra", "impinj"] as const)(
    "the %s portal refuses hostile payloads through the edge's decode path",
    (format) => {
      const topic = readTopic(PORTAL[format]);
      const around = readerPayload(format).map((p) => p.events);
      fuzz(
        SUITE,
        fc.property(hostilePayload(around, MAX_DEVICE_MESSAGE_BYTES), (payload) => {
          expectResult(
            topic,
            withinBudget("decodeDeviceMessage", () => decodeDeviceMessage(site, topic, payload)),
          );
          expectPrototypesUntouched();
        }),
        1_000,
      );
    },
  );
});
