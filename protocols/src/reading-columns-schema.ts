import { z } from "zod";
import { Telemetry } from "./events.js";
import { LocationCode } from "./site-layout.js";

/** The `Telemetry` schema's own fields: a reading in columns is held to the same limits. */
const field = Telemetry.shape;

/**
 * The shape of `ReadingColumns` as a zod schema, for documentation only: the OpenAPI document describes the
 * envelope's `readings` with it. It is never used to parse: the envelope checks the columns' shape by hand
 * (`readingColumnsProblem`) and the ingest each reading's contents (`seriesProblem`, `readingProblem`),
 * without an object per reading. What a JSON schema cannot say (the columns' one length, `w`'s order, a
 * reading's `s` naming a series) is in the descriptions.
 */
export const ReadingColumnsShape = z
  .object({
    series: z
      .array(
        z.tuple([
          field.siteId.describe("siteId"),
          field.deviceId.describe("deviceId"),
          field.metric.describe("metric: a plain reading's, never `count:…` or `dead-letters`"),
          field.unit.describe("unit"),
          LocationCode.nullable().describe("location (SITE/ZONE/BIN), null when none"),
        ]),
      )
      .min(1)
      .describe("Each sensor once: [siteId, deviceId, metric, unit, location]"),
    s: z.array(z.number().int().min(0)).min(1).describe("Per reading: the index of its sensor in `series`"),
    id: z.array(field.id).min(1).describe("Per reading: its id (a UUID); every column is as long as this one"),
    at: z.array(field.occurredAt).min(1).describe("Per reading: when it was taken (device time)"),
    value: z.array(field.value).min(1).describe("Per reading: its value, a finite number"),
    w: z
      .array(z.number().int().min(0))
      .optional()
      .describe(
        "Indexes of the readings sent because they lie around an excursion (`excursionWindow: true`), ascending",
      ),
  })
  .strict()
  .describe(
    "Plain sensor readings as columns: the sensors listed once, then per reading its sensor's index, id, time " +
      "and value. A reading stands for the telemetry event { kind: telemetry, id, siteId, occurredAt: at, " +
      "deviceId, metric, value, unit, location? }. A malformed shape refuses the batch; a reading whose " +
      "contents are wrong is refused alone, named in the ack's `rejected`.",
  );

/**
 * The JSON schema (2020-12, as OpenAPI 3.1 uses) of `ReadingColumnsShape`, without the `$schema` keyword, to be
 * attached to the envelope's `readings` as metadata.
 */
export function readingColumnsJsonSchema(): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(ReadingColumnsShape, { target: "draft-2020-12" });
  return schema;
}
