import { z } from "zod";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/**
 * A duration: a number of seconds, or a string with a unit (`500ms`, `90s`,
 * `10m`, `2h`, `1h30m`). Parsed to milliseconds.
 */
export const Duration = z
  .union([
    z.number().finite().min(0),
    z.string().regex(/^(\d+(\.\d+)?(ms|s|m|h))+$/, "expected seconds or e.g. 500ms, 90s, 10m, 2h, 1h30m"),
  ])
  .transform((value) => {
    if (typeof value === "number") return Math.round(value * 1000);
    let ms = 0;
    for (const [, n, , unit] of value.matchAll(/(\d+(\.\d+)?)(ms|s|m|h)/g)) {
      ms += Number(n) * UNIT_MS[(unit ?? "s") as keyof typeof UNIT_MS];
    }
    return Math.round(ms);
  });

/**
 * Play speed: `1` (real time), a factor (`4`, `x4`, `×4`), or `max`: as fast
 * as the system under test acknowledges.
 */
export const Speed = z
  .union([z.number().positive().finite(), z.string().regex(/^([x×]?\d+(\.\d+)?|max)$/, "expected 1, x4, ×4 or max")])
  .transform((value): number | "max" => {
    if (typeof value === "number") return value;
    if (value === "max") return "max";
    return Number(value.replace(/^[x×]/, ""));
  })
  .refine((v) => v === "max" || v > 0, "speed must be > 0");
export type Speed = z.output<typeof Speed>;

/** An id in a scenario file: a device, a SKU, a zone. */
export const Id = z.string().min(1).max(64);
/** A location code. */
export const Loc = z.string().min(1).max(200);
/** A whole-number range, `{ min, max }`. */
export const Range = z
  .object({ min: z.number().int().min(0), max: z.number().int().min(0) })
  .strict()
  .refine((r) => r.min <= r.max, "min must not exceed max");
/** A chance, 0–1. */
export const Probability = z.number().min(0).max(1);

/**
 * A signed duration (a reader clock ahead or behind): seconds, or a string
 * with a unit and an optional sign (`+4s`, `-3s`, `-1500ms`). Parsed to ms.
 */
export const SignedDuration = z
  .union([
    z.number().finite().min(-86_400).max(86_400),
    z.string().regex(/^[+-]?(\d+(\.\d+)?(ms|s|m|h))+$/, "expected signed seconds or e.g. +4s, -3s, -1500ms"),
  ])
  .transform((value) => {
    if (typeof value === "number") return Math.round(value * 1000);
    const negative = value.startsWith("-");
    const ms = Duration.parse(value.replace(/^[+-]/, ""));
    return negative ? -ms : ms;
  });

/** A weaker-by range in dB, e.g. `{ min: 3, max: 8 }`. */
export const DbRange = z
  .object({ min: z.number().min(0).max(60), max: z.number().min(0).max(60) })
  .strict()
  .refine((r) => r.min <= r.max, "min must not exceed max");
