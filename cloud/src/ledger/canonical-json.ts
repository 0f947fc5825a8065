import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}

/** SHA-256 (hex) of a text: the content hash that tells a resend from a conflicting reuse of an id. */
export function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
