import { z } from "zod";
import { ScanAction } from "./device-messages.js";
import { Duration, Id, Loc } from "./scenario-units.js";

/** Tagged items of one SKU: `count` SGTIN-96 tags with fresh serials. */
const Tags = z.object({ sku: Id, count: z.number().int().min(1).max(1_000_000) }).strict();

/** A scripted step, for exact timelines (times from the start). */
export const ScenarioFileStep = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("portal-pass"),
      at: Duration,
      device: Id,
      tags: z.array(Tags).min(1),
      pass: Duration.optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("scan"),
      at: Duration,
      device: Id,
      sku: Id,
      qty: z.number().int().min(1),
      action: ScanAction,
      location: Loc.optional(),
      fromLocation: Loc.optional(),
      /** The batch/lot the barcode carries (GS1 AI 10, up to 20 characters): the movement's lot. */
      lot: z.string().min(1).max(20).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("shelf-load"),
      at: Duration,
      device: Id,
      location: Loc,
      units: z.number().int(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("temperature"),
      at: Duration,
      device: Id,
      minC: z.number().finite(),
      maxC: z.number().finite(),
    })
    .strict(),
]);
export type ScenarioFileStep = z.output<typeof ScenarioFileStep>;
