import { z } from "zod";
import { Timestamp } from "./device-messages.js";
import { EventId } from "./events.js";
import { LocationCode } from "./site-layout.js";

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
          z.string().min(1).max(64).describe("siteId"),
          z.string().min(1).max(64).describe("deviceId"),
          z.string().min(1).max(128).describe("metric: a plain reading's, never `count:…` or `dead-letters`"),
          z.string().max(16).describe("unit"),
          LocationCode.nullable().describe("location (SITE/ZONE/BIN), null when none"),
        ]),
      )
      .min(1)
      .describe("Each sensor once: [siteId, deviceId, metric, unit, location]"),
    s: z.array(z.number().int().min(0)).min(1).describe("Per reading: the index of its sensor in `series`"),
    id: z.array(EventId).min(1).describe("Per reading: its id (a UUID); every column is as long as this one"),
    at: z.array(Timestamp).min(1).describe("Per reading: when it was taken (device time)"),
    value: z.array(z.number()).min(1).describe("Per reading: its value, a finite number"),
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
