import { randomUUID } from "node:crypto";
import { ingestBatch, parseEdgeBatch } from "@tally/cloud";
import { CommitAck, type EdgeBatch, type ReadingColumns } from "@tally/protocols";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FUZZ_LOCATIONS, FUZZ_SITE } from "./arbitraries/fuzz-site.js";
import { hostileValue } from "./arbitraries/hostile-json.js";
import { mutateValue, valueMutation } from "./arbitraries/mutations.js";
import { fuzzIngestLedger } from "./support/fuzz-ledger.js";
import { fuzz, fuzzAsync, fuzzTimeout, withinBudget, withinBudgetAsync } from "./support/fuzz-runs.js";
import { expectPrototypesUntouched } from "./support/prototypes.js";
import { expectResult } from "./support/refusals.js";

const SUITE = "reading-columns";

/** Sound columns of the fuzz site: a few sensors, a few readings each, dated within the last hour. */
const soundColumns = (nowMs: number): fc.Arbitrary<ReadingColumns> =>
  fc
    .record({
      series: fc.array(
        fc.tuple(
          fc.stringMatching(/^temp-[a-z0-9]{1,8}$/),
          fc.constantFrom("temperature", "humidity"),
          fc.constantFrom("Cel", "%", ""),
          fc.option(fc.constantFrom(...FUZZ_LOCATIONS), { nil: null }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
      readings: fc.array(
        fc.tuple(
          fc.nat(),
          fc.integer({ min: 0, max: 3_600_000 }),
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.boolean(),
        ),
        {
          minLength: 1,
          maxLength: 30,
        },
      ),
    })
    .map(({ series, readings }) => {
      const w = readings.flatMap(([, , , windowed], i) => (windowed ? [i] : []));
      const columns: ReadingColumns = {
        series: series.map(([device, metric, unit, location]) => [FUZZ_SITE.siteId, device, metric, unit, location]),
        s: readings.map(([s]) => s % series.length),
        id: readings.map(() => randomUUID()),
        at: readings.map(([, ago]) => new Date(nowMs - ago).toISOString()),
        value: readings.map(([, , value]) => value),
      };
      return w.length > 0 ? { ...columns, w } : columns;
    });

const envelope = (readings: unknown, nowMs: number): Record<string, unknown> => ({
  v: 1,
  edgeId: "edge-fuzz",
  siteId: FUZZ_SITE.siteId,
  batchId: randomUUID(),
  seq: 0,
  sentAt: new Date(nowMs).toISOString(),
  events: [],
  readings,
});

/** Columns with hostile values in their cells, lists and keys, or a hostile value in their place. */
const hostileColumns = (nowMs: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    hostileValue,
    fc
      .tuple(soundColumns(nowMs), fc.array(valueMutation, { minLength: 1, maxLength: 4 }))
      .map(([columns, mutations]) => mutateValue(columns, mutations)),
  );

const ledger = fuzzIngestLedger();

describe("fuzz: sensor readings as columns (the envelope's readings)", () => {
  it("parseEdgeBatch takes sound columns and judges any other value of readings, never throwing", () => {
    const nowMs = Date.now();
    fuzz(
      SUITE,
      fc.property(soundColumns(nowMs), hostileColumns(nowMs), (sound, hostile) => {
        expect(parseEdgeBatch(envelope(sound, nowMs))).toMatchObject({ ok: true });
        expectResult(
          "parseEdgeBatch",
          withinBudget("parseEdgeBatch", () => parseEdgeBatch(envelope(hostile, nowMs))),
        );
        expectPrototypesUntouched();
      }),
      2_000,
    );
  });

  it("ingestBatch accounts for every reading of any columns the envelope takes: taken or refused, once", {
    timeout: fuzzTimeout(120_000),
  }, async () => {
    await fuzzAsync(
      SUITE,
      fc.asyncProperty(fc.oneof(soundColumns(Date.now()), hostileColumns(Date.now())), async (columns) => {
        const parsed = parseEdgeBatch(envelope(columns, Date.now()));
        if (!parsed.ok) return;
        const batch: EdgeBatch = parsed.value;
        const n = (batch.readings as ReadingColumns).id.length;
        const ack = await withinBudgetAsync("ingestBatch", () => ingestBatch(ledger.deps(), batch));
        expect(CommitAck.safeParse(ack).success).toBe(true);
        const refused = ack.rejected.map((r) => r.index);
        expect(new Set(refused).size).toBe(refused.length);
        for (const index of refused) expect(index >= 0 && index < n).toBe(true);
        expect((ack.readings?.committed ?? 0) + refused.length).toBe(n);
        expectPrototypesUntouched();
      }),
      200,
    );
  });

  it("takes every reading of sound columns", { timeout: fuzzTimeout(60_000) }, async () => {
    await fuzzAsync(
      SUITE,
      fc.asyncProperty(soundColumns(Date.now()), async (columns) => {
        const parsed = parseEdgeBatch(envelope(columns, Date.now()));
        if (!parsed.ok) throw new Error(`sound columns refused: ${parsed.error.reason}`);
        const ack = await ingestBatch(ledger.deps(), parsed.value);
        expect(ack.rejected).toEqual([]);
        expect(ack.readings?.committed).toBe(columns.id.length);
      }),
      100,
    );
  });
});
