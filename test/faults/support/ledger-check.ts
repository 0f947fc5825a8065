/**
 * The fault suite's checker: compares what the devices were told was accepted
 * with what the cloud's ledger holds. `compareLedger` is pure; `readLedger`
 * pages through `GET /v1/movements`.
 */
import { CommittedMovement, type Movement } from "@tally/protocols";

/** What one scan must become in the ledger (its lot is its identity). */
export interface SentScan {
  lot: string;
  sku: string;
  qty: number;
  movementType: "RECEIPT";
  to: string;
  /** The device's own time of the scan (ISO 8601): the movement's `occurredAt`, whatever the edge's clock says. */
  occurredAt: string;
}

export interface LedgerReport {
  /** Scans the edge acknowledged (PUBACK): each must be in the ledger exactly once. */
  sent: number;
  /** Acknowledged scans with no movement. */
  lost: number;
  /** Movements beyond the first for one scan (acknowledged or not). */
  duplicated: number;
  /** Movements that match no scan published, or that differ from their scan (SKU, quantity, type, place, time). */
  unexpected: number;
  /** Scans published but never acknowledged (the device would still hold them); in the ledger at most once. */
  unacknowledged: number;
  /** Movements in the ledger. */
  movements: number;
  /** A few of each, to say what went wrong. */
  examples: { lost: string[]; duplicated: string[]; unexpected: string[] };
}

const EXAMPLES = 5;

export function compareLedger(
  sent: ReadonlyMap<string, SentScan>,
  acked: ReadonlySet<string>,
  movements: readonly Movement[],
): LedgerReport {
  const seen = new Map<string, number>();
  const unexpected: string[] = [];
  for (const m of movements) {
    const scan = m.lot === undefined ? undefined : sent.get(m.lot);
    const matches =
      scan !== undefined &&
      m.movementType === scan.movementType &&
      m.sku === scan.sku &&
      m.qty === scan.qty &&
      m.to === scan.to &&
      m.from === undefined &&
      Date.parse(m.occurredAt) === Date.parse(scan.occurredAt);
    if (!matches || scan === undefined) {
      unexpected.push(`${m.id} (lot ${m.lot ?? "none"}, ${m.movementType} ${m.qty} ${m.sku})`);
      continue;
    }
    seen.set(scan.lot, (seen.get(scan.lot) ?? 0) + 1);
  }
  const lost = [...acked].filter((lot) => !seen.has(lot));
  const duplicated = [...seen].filter(([, n]) => n > 1);
  return {
    sent: acked.size,
    lost: lost.length,
    duplicated: duplicated.reduce((total, [, n]) => total + n - 1, 0),
    unexpected: unexpected.length,
    unacknowledged: sent.size - [...sent.keys()].filter((lot) => acked.has(lot)).length,
    movements: movements.length,
    examples: {
      lost: lost.slice(0, EXAMPLES),
      duplicated: duplicated.slice(0, EXAMPLES).map(([lot, n]) => `${lot} ×${n}`),
      unexpected: unexpected.slice(0, EXAMPLES),
    },
  };
}

/** Every movement in the cloud's ledger, in commit order, 1,000 a page. */
export async function readLedger(apiUrl: string): Promise<Movement[]> {
  const all: Movement[] = [];
  let after: string | undefined;
  for (;;) {
    const url = new URL("/v1/movements", apiUrl);
    url.searchParams.set("limit", "1000");
    if (after !== undefined) url.searchParams.set("after", after);
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { movements: unknown[]; nextCursor?: string };
    for (const m of page.movements) all.push(CommittedMovement.parse(m));
    if (page.nextCursor === undefined) return all;
    after = page.nextCursor;
  }
}
