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
      for (const key of orderKeys(Object.keys(record))) {
        // The first version assigned keys to a fresh object, where `__proto__` sets the prototype: it was never written.
        if (key === "__proto__") continue;
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

/** Present and not a string: the fast path does not apply. */
const notString = (value: unknown): boolean => value !== undefined && typeof value !== "string";
const present = (value: unknown): number => (value === undefined ? 0 : 1);

/**
 * `canonicalJson` of a movement, from an object literal in sorted key
 * order: no key sorting and no generic walk (about 3× faster; this is the
 * hot path of every commit). A shape it does not expect (another key,
 * a value of another type) falls back to `canonicalJson`, so the text is
 * always the same.
 */
export function canonicalMovement(m: Readonly<Record<string, unknown>>): string {
  const evidence = m.evidence as Readonly<Record<string, unknown>> | null | undefined;
  if (typeof evidence !== "object" || evidence === null || Array.isArray(evidence)) return canonicalJson(m);
  const deviceId = evidence.deviceId;
  const ids = evidence.observationIds;
  if (Object.keys(evidence).length !== present(deviceId) + present(ids) || notString(deviceId)) {
    return canonicalJson(m);
  }
  if (ids !== undefined) {
    if (!Array.isArray(ids)) return canonicalJson(m);
    for (const id of ids) if (typeof id !== "string") return canonicalJson(m);
  }
  const { qty, confidence } = m;
  if ((qty !== undefined && typeof qty !== "number") || (confidence !== undefined && typeof confidence !== "number")) {
    return canonicalJson(m);
  }
  // Static reads (not a loop over key names): this check runs for every movement.
  if (
    notString(m.epc) ||
    notString(m.expiry) ||
    notString(m.from) ||
    notString(m.id) ||
    notString(m.kind) ||
    notString(m.lot) ||
    notString(m.movementType) ||
    notString(m.occurredAt) ||
    notString(m.siteId) ||
    notString(m.sku) ||
    notString(m.sscc) ||
    notString(m.to)
  ) {
    return canonicalJson(m);
  }
  const known =
    1 +
    present(qty) +
    present(confidence) +
    present(m.epc) +
    present(m.expiry) +
    present(m.from) +
    present(m.id) +
    present(m.kind) +
    present(m.lot) +
    present(m.movementType) +
    present(m.occurredAt) +
    present(m.siteId) +
    present(m.sku) +
    present(m.sscc) +
    present(m.to);
  if (Object.keys(m).length !== known) return canonicalJson(m);
  // An object literal with the keys in sorted order: JSON.stringify keeps that order (no integer-like keys) and
  // drops undefined members, and it runs on V8's fast path, unlike a replacer or a hand-built string.
  return JSON.stringify({
    confidence: m.confidence,
    epc: m.epc,
    evidence: { deviceId, observationIds: ids },
    expiry: m.expiry,
    from: m.from,
    id: m.id,
    kind: m.kind,
    lot: m.lot,
    movementType: m.movementType,
    occurredAt: m.occurredAt,
    qty: m.qty,
    siteId: m.siteId,
    sku: m.sku,
    sscc: m.sscc,
    to: m.to,
  });
}

/**
 * Sorted keys, in the order an object built from them would list them
 * (ECMA-262 OrdinaryOwnPropertyKeys: array-index keys first, ascending):
 * the order the first, replacer-based version wrote, which stored hashes
 * depend on.
 */
function orderKeys(keys: string[]): string[] {
  const sorted = keys.sort();
  if (!sorted.some(isArrayIndex)) return sorted;
  const indexes = sorted.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b));
  return [...indexes, ...sorted.filter((k) => !isArrayIndex(k))];
}

function isArrayIndex(key: string): boolean {
  return /^(0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4_294_967_295;
}

/** SHA-256 (hex) of a text: the content hash that tells a resend from a conflicting reuse of an id. */
export function contentHash(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
