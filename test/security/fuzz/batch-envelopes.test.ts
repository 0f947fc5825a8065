import { decodeBatch, parseEdgeBatch } from "@tally/cloud";
import { CommitAck, ErrorCode, MAX_BATCH_BYTES, ReferenceData } from "@tally/protocols";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validAck, validBatch, validReferenceData } from "./arbitraries/batches.js";
import { hostileValue } from "./arbitraries/hostile-json.js";
import { mutateValue, valueMutation } from "./arbitraries/mutations.js";
import { hostilePayload, oversize } from "./arbitraries/payloads.js";
import { fuzz, withinBudget } from "./support/fuzz-runs.js";
import { expectPrototypesUntouched } from "./support/prototypes.js";
import { expectResult } from "./support/refusals.js";

const SUITE = "batch-envelopes";
const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
const mutated = (valid: fc.Arbitrary<unknown>) =>
  fc.tuple(valid, fc.array(valueMutation, { minLength: 1, maxLength: 3 })).map(([v, m]) => mutateValue(v, m));

describe("fuzz: batch envelopes (MQTT and HTTP ingest), commit acks and reference data", () => {
  it("decodes every valid batch with its events as sent", () => {
    fuzz(
      SUITE,
      fc.property(validBatch, (batch) => {
        expect(decodeBatch(bytes(batch))).toEqual({ ok: true, value: batch });
      }),
      1_000,
    );
  });

  it("decodeBatch refuses hostile bytes with a code and a reason, never a throw", () => {
    fuzz(
      SUITE,
      fc.property(hostilePayload(validBatch, MAX_BATCH_BYTES, { oversized: false }), (payload) => {
        expectResult(
          "decodeBatch",
          withinBudget("decodeBatch", () => decodeBatch(payload)),
        );
        expectPrototypesUntouched();
      }),
      5_000,
    );
  });

  it("refuses batches past the size limit unparsed", () => {
    fuzz(
      SUITE,
      fc.property(validBatch, fc.nat(1000), (batch, extra) => {
        const result = withinBudget("decodeBatch", () =>
          decodeBatch(oversize(JSON.stringify(batch), MAX_BATCH_BYTES, extra)),
        );
        expect(result).toMatchObject({ ok: false, error: { code: ErrorCode.MessageTooLarge } });
      }),
      30,
    );
  });

  it("parseEdgeBatch judges any parsed value, mutated envelopes included", () => {
    fuzz(
      SUITE,
      fc.property(fc.oneof(hostileValue, mutated(validBatch)), (value) => {
        expectResult(
          "parseEdgeBatch",
          withinBudget("parseEdgeBatch", () => parseEdgeBatch(value)),
        );
        expectPrototypesUntouched();
      }),
      2_470,
    );
  });

  it("the CommitAck schema accepts every ack the cloud sends and judges any other value without throwing", () => {
    fuzz(
      SUITE,
      fc.property(validAck, fc.oneof(hostileValue, mutated(validAck)), (ack, other) => {
        expect(CommitAck.safeParse(JSON.parse(JSON.stringify(ack)))).toMatchObject({ success: true, data: ack });
        const judged = withinBudget("CommitAck", () => CommitAck.safeParse(other));
        if (!judged.success) expect(judged.error.issues.length).toBeGreaterThan(0);
        expectPrototypesUntouched();
      }),
      2_500,
    );
  });

  it("the ReferenceData schema (the edge's copy of the cloud's master data) judges any value without throwing", () => {
    fuzz(
      SUITE,
      fc.property(validReferenceData, fc.oneof(hostileValue, mutated(validReferenceData)), (valid, other) => {
        expect(ReferenceData.safeParse(JSON.parse(JSON.stringify(valid))).success).toBe(true);
        withinBudget("ReferenceData", () => ReferenceData.safeParse(other));
        expectPrototypesUntouched();
      }),
      1_000,
    );
  });
});
