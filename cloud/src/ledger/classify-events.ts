import type { EdgeEvent } from "@tally/protocols";
import { canonicalJson, contentHash } from "./canonical-json.js";

/** An event with its canonical body and content hash, as stored. */
export interface HashedEvent {
  event: EdgeEvent;
  body: string;
  hash: string;
}

export function hashEvents(events: readonly EdgeEvent[]): HashedEvent[] {
  return events.map((event) => {
    const body = canonicalJson(event);
    return { event, body, hash: contentHash(body) };
  });
}

/** The first occurrence of each id, in batch order: what the insert statement gets. */
export function firstOccurrences(hashed: readonly HashedEvent[]): HashedEvent[] {
  const seen = new Set<string>();
  return hashed.filter((h) => {
    if (seen.has(h.event.id)) return false;
    seen.add(h.event.id);
    return true;
  });
}

export interface Classification {
  committed: string[];
  duplicates: string[];
  conflicts: string[];
  /** The newly inserted events, in batch order: the ones to apply. */
  applied: EdgeEvent[];
}

/**
 * Sorts a batch into committed, duplicates and conflicts once the insert
 * said which ids it inserted. `storedHashes` must hold the stored hash of
 * every id the insert did not insert. An id repeated within the batch is
 * compared with the first occurrence's content.
 */
export function classifyEvents(
  hashed: readonly HashedEvent[],
  inserted: ReadonlySet<string>,
  storedHashes: ReadonlyMap<string, string>,
): Classification {
  const result: Classification = { committed: [], duplicates: [], conflicts: [], applied: [] };
  const firstHash = new Map<string, string>();
  for (const h of hashed) {
    const id = h.event.id;
    if (inserted.has(id) && !firstHash.has(id)) {
      firstHash.set(id, h.hash);
      result.committed.push(id);
      result.applied.push(h.event);
      continue;
    }
    const stored = inserted.has(id) ? firstHash.get(id) : storedHashes.get(id);
    if (stored === h.hash) result.duplicates.push(id);
    else result.conflicts.push(id);
  }
  return result;
}
