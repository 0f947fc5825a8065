import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { EdgeBatch } from "./envelope.js";
import { type ReadingColumns, toReadingColumns } from "./reading-columns.js";
import { ReadingColumnsShape, readingColumnsJsonSchema } from "./reading-columns-schema.js";
import { batchEnvelope, reading, readingId } from "./testing/reading-fixtures.js";

const id = readingId;
const envelope = (readings: unknown) => batchEnvelope({ readings });

describe("the documented shape of readings as columns", () => {
  it("is the ReadingColumns type, column for column", () => {
    expectTypeOf<z.infer<typeof ReadingColumnsShape>>().toEqualTypeOf<ReadingColumns>();
  });

  it("describes the columns an edge sends", () => {
    const { readings } = toReadingColumns([reading(1), reading(2, { excursionWindow: true }), reading(3)]);
    expect(readings?.w).toEqual([1]);
    expect(ReadingColumnsShape.safeParse(readings).success).toBe(true);
  });

  it("is what the envelope's JSON schema says of readings, optional, with its columns typed", () => {
    const schema = z.toJSONSchema(EdgeBatch, { io: "input", unrepresentable: "any" }) as {
      properties: Record<string, { type?: string; properties?: Record<string, { type?: string }> }>;
      required: string[];
    };
    const readings = schema.properties.readings;
    expect(readings).toEqual(readingColumnsJsonSchema());
    expect(readings?.type).toBe("object");
    expect(readings?.properties?.series?.type).toBe("array");
    expect(readings?.properties?.value?.type).toBe("array");
    expect(schema.required).not.toContain("readings");
    expect(readingColumnsJsonSchema()).not.toHaveProperty("$schema");
  });

  it("does not make the envelope check readings one by one: their contents stay the ingest's to refuse alone", () => {
    const columns = { ...toReadingColumns([reading(1), reading(2)]).readings, id: ["not-a-uuid", id(2)] };
    expect(ReadingColumnsShape.safeParse(columns).success).toBe(false);
    expect(EdgeBatch.safeParse(envelope(columns)).success).toBe(true);
  });

  it("leaves the envelope's refusals of a malformed shape worded as before", () => {
    const result = EdgeBatch.safeParse(envelope({ series: [], s: [], id: [], at: [], value: [] }));
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ["readings"], message: "readings.series must be a non-empty list" }),
    ]);
  });
});
