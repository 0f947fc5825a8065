/**
 * How a movement is kept in a `movements` row (decision 0042): its
 * columns, plus a body holding only what the columns do not give back
 * exactly (evidence, confidence, expiry, and any member whose value a
 * column would change). Reading puts the two together again, so the
 * movement read back has the same canonical JSON, and so the same content
 * hash, as the one committed.
 */

/** A movement row's columns as a driver returns them (PostgreSQL: Dates for timestamps, numbers may be strings). */
export interface StoredMovementColumns {
  id: string;
  site_id: string;
  movement_type: string;
  sku: string;
  qty: unknown;
  from_location: string | null;
  to_location: string | null;
  lot: string;
  /** The stored timestamp: ISO text in UTC with milliseconds (SQLite) or a Date (PostgreSQL). */
  occurred_at: unknown;
  epc: string | null;
  sscc: string | null;
}

/** ISO 8601 in UTC with milliseconds: the form both stores give back unchanged (SQLite text, PostgreSQL timestamptz). */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const isText = (value: unknown): boolean => typeof value === "string";
const isTextOrAbsent = (value: unknown): boolean => value === undefined || typeof value === "string";

/**
 * Whether the column of `key` gives `value` back unchanged, so the body
 * may leave it out: text columns give back text (absent is NULL), `lot`
 * gives back '' for absent (so an empty lot stays in the body), `qty` is an
 * integer column, `occurred_at` keeps only the canonical UTC form.
 */
function inColumn(key: string, value: unknown): boolean {
  switch (key) {
    case "kind":
      return value === "movement";
    case "id":
    case "siteId":
    case "movementType":
    case "sku":
      return isText(value);
    case "from":
    case "to":
    case "epc":
    case "sscc":
      return isTextOrAbsent(value);
    case "lot":
      return value === undefined || (typeof value === "string" && value !== "");
    case "qty":
      return Number.isSafeInteger(value) && Math.abs(value as number) <= 2_147_483_647;
    case "occurredAt":
      return typeof value === "string" && CANONICAL_UTC.test(value);
    default:
      return false;
  }
}

/**
 * The body a movement row stores: the movement's members that its columns
 * do not give back exactly, as an object for `JSON.stringify` (members
 * that are undefined are left out, as JSON leaves them out).
 */
export function storedBody(m: object): Record<string, unknown> {
  const record = m as Readonly<Record<string, unknown>>;
  const usual = usualBody(record);
  if (usual !== undefined) return usual;
  const rest: [string, unknown][] = [];
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (value === undefined || inColumn(key, value)) continue;
    rest.push([key, value]);
  }
  // fromEntries defines each member (an own "__proto__" key stays a member, never a prototype).
  return Object.fromEntries(rest);
}

const present = (value: unknown): number => (value === undefined ? 0 : 1);

/**
 * `storedBody` of a movement of the usual shape (every member of a
 * validated movement, each of its type, no other member) by static reads:
 * no walk over member names, which cost about 1 µs a movement on the hot
 * path. Undefined when the shape is not the usual one (the walk decides).
 */
function usualBody(m: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const { evidence, confidence, expiry, occurredAt, lot } = m;
  if (
    evidence === undefined ||
    confidence === undefined ||
    m.kind !== "movement" ||
    typeof m.id !== "string" ||
    typeof m.siteId !== "string" ||
    typeof m.movementType !== "string" ||
    typeof m.sku !== "string" ||
    typeof occurredAt !== "string" ||
    !inColumn("qty", m.qty) ||
    !isTextOrAbsent(m.from) ||
    !isTextOrAbsent(m.to) ||
    !isTextOrAbsent(m.epc) ||
    !isTextOrAbsent(m.sscc) ||
    !inColumn("lot", lot)
  ) {
    return undefined;
  }
  // kind, id, siteId, occurredAt, movementType, sku, qty, evidence and confidence are present (checked above).
  const known = 9 + present(m.from) + present(m.to) + present(m.epc) + present(m.sscc) + present(lot) + present(expiry);
  // A member set to undefined counts as a key here and not above: the walk handles that shape.
  if (Object.keys(m).length !== known) return undefined;
  const body: Record<string, unknown> = { evidence, confidence };
  if (expiry !== undefined) body.expiry = expiry;
  if (!CANONICAL_UTC.test(occurredAt)) body.occurredAt = occurredAt;
  return body;
}

/**
 * The movement a row holds: its columns, then its body's members over
 * them (a body written before decision 0042 holds the whole movement, and
 * its members win, as do those a column could not keep).
 */
export function movementFromStored(row: StoredMovementColumns, body: unknown): Record<string, unknown> {
  const at = row.occurred_at;
  const movement: Record<string, unknown> = {
    kind: "movement",
    id: row.id,
    siteId: row.site_id,
    occurredAt: at instanceof Date ? at.toISOString() : String(at),
    movementType: row.movement_type,
    sku: row.sku,
    qty: typeof row.qty === "number" ? row.qty : Number(row.qty),
  };
  if (row.from_location !== null) movement.from = row.from_location;
  if (row.to_location !== null) movement.to = row.to_location;
  if (row.lot !== "") movement.lot = row.lot;
  if (row.epc !== null) movement.epc = row.epc;
  if (row.sscc !== null) movement.sscc = row.sscc;
  const members = (typeof body === "string" ? JSON.parse(body) : body) as Record<string, unknown> | null;
  return members === null || typeof members !== "object" ? movement : { ...movement, ...members };
}
