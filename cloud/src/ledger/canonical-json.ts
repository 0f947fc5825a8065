import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level, so equal content gives equal text. */
export function canonicalJson(value: unknown): string {
  // Hand-rolled rather than JSON.stringify with a replacer: the replacer
  // allocates a sorted copy of every object, about 3× the cost per event.
  return write(value) ?? "null";
}

function write(value: unknown): string | undefined {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (Array.isArray(value)) return `[${value.map((v) => write(v) ?? "null").join(",")}]`;
      if (typeof (value as { toJSON?: unknown }).toJSON === "function") return JSON.stringify(value);
      const record = value as Record<string, unknown>;
      let out = "";
      for (const key of Object.keys(record).sort()) {
        const text = write(record[key]);
        if (text === undefined) continue;
        out += `${out === "" ? "" : ","}${JSON.stringify(key)}:${text}`;
      }
      return `{${out}}`;
    }
    default:
      return undefined;
  }
}

/** SHA-256 (hex) of a text: the content hash that tells a resend from a conflicting reuse of an id. */
export function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
