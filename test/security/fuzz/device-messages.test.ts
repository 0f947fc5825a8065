import { decodeDeviceMessage, indexSite } from "@tally/edge";
import { DEVICE_CHANNELS, MAX_DEVICE_MESSAGE_BYTES, parseDeviceMessage } from "@tally/protocols";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEVICE_TOPICS, hostileTopic, VALID_MESSAGES } from "./arbitraries/device-messages.js";
import { FUZZ_GTINS, FUZZ_SITE } from "./arbitraries/fuzz-site.js";
import { hostilePayload } from "./arbitraries/payloads.js";
import { fuzz, withinBudget } from "./support/fuzz-runs.js";
import { expectPrototypesUntouched } from "./support/prototypes.js";
import { expectResult } from "./support/refusals.js";

const SUITE = "device-messages";
const site = indexSite(FUZZ_SITE);
const topicOf = (deviceId: string, channel: string) => `tally/v1/${FUZZ_SITE.siteId}/dev/${deviceId}/${channel}`;

/** A device of the site on one of its own channels, with a valid message for that channel (reads: generic form). */
const validCase = fc
  .constantFrom(...DEVICE_TOPICS.filter((t) => t.channel !== "read" || t.format === "generic" || t.format === "detect"))
  .chain((t) => VALID_MESSAGES[t.channel].map((message) => ({ topic: topicOf(t.deviceId, t.channel), message })));

describe("fuzz: device messages through the edge's decode path", () => {
  it("accepts every valid message of every channel (the generators are honest)", () => {
    fuzz(
      SUITE,
      fc.property(validCase, ({ topic, message }) => {
        const result = decodeDeviceMessage(site, topic, Buffer.from(JSON.stringify(message)));
        expect(result).toMatchObject({ ok: true });
      }),
      3_000,
    );
  });

  it.each(DEVICE_TOPICS.map((t) => [t.deviceId, t.channel, t] as const))(
    "%s/%s: hostile payloads are refused with a code and a reason, never thrown",
    (_device, channel, t) => {
      const topic = topicOf(t.deviceId, t.channel);
      fuzz(
        SUITE,
        fc.property(hostilePayload(VALID_MESSAGES[channel], MAX_DEVICE_MESSAGE_BYTES), (payload) => {
          const result = withinBudget("decodeDeviceMessage", () => decodeDeviceMessage(site, topic, payload));
          expectResult(topic, result);
          // Whatever got through is something the pipelines can turn into an event the cloud accepts.
          for (const o of result.ok ? result.value : []) {
            if (o.type === "scan") expect(o.qty >= 1 && o.qty <= 100_000 && Number.isInteger(o.qty)).toBe(true);
            if (o.type === "tag-read") expect(o.epc).toMatch(/^[0-9A-F]+$/);
          }
          expectPrototypesUntouched();
        }),
        1_000,
      );
    },
  );

  it("takes a scanned count as the quantity only within a scan's bounds (1 to 100,000)", () => {
    fuzz(
      SUITE,
      fc.property(
        fc.constantFrom(...FUZZ_GTINS),
        fc.constantFrom("30", "37"),
        fc.oneof(fc.integer({ min: 0, max: 99_999_999 }), fc.constantFrom(0, 1, 100_000, 100_001)),
        (gtin, ai, count) => {
          // AI 37 counts the items of a logistic unit: it goes with AI 02, 30 with 01.
          const code = ai === "37" ? `(02)${gtin}(37)${count}` : `(01)${gtin}(30)${count}`;
          const payload = Buffer.from(JSON.stringify({ code, action: "RECEIPT", scannedAt: "2026-01-01T00:00:00Z" }));
          const result = decodeDeviceMessage(site, topicOf("scanner-1", "scan"), payload);
          if (count >= 1 && count <= 100_000) expect(result).toMatchObject({ ok: true, value: [{ qty: count }] });
          else expect(result).toMatchObject({ ok: false, error: { code: "TALLY_ERR_BARCODE_INVALID" } });
        },
      ),
      1_000,
    );
  });

  it("refuses hostile topics with a code and a reason", () => {
    fuzz(
      SUITE,
      fc.property(hostileTopic, (topic) => {
        const payload = Buffer.from(JSON.stringify({ sentAt: "2026-01-01T00:00:00Z" }));
        const result = withinBudget("decodeDeviceMessage", () => decodeDeviceMessage(site, topic, payload));
        expectResult(topic, result);
      }),
      1_000,
    );
  });

  it.each(DEVICE_CHANNELS)("parseDeviceMessage(%s) refuses any payload of any channel with a code", (channel) => {
    fuzz(
      SUITE,
      fc.property(
        fc.constantFrom(...DEVICE_CHANNELS).chain((c) => hostilePayload(VALID_MESSAGES[c], MAX_DEVICE_MESSAGE_BYTES)),
        (payload) => {
          expectResult(
            channel,
            withinBudget("parseDeviceMessage", () => parseDeviceMessage(channel, payload)),
          );
          expectPrototypesUntouched();
        },
      ),
      600,
    );
  });
});
