import type { EdgeEvent } from "@tally/protocols";
import { canonicalJson, canonicalMovement, contentHash } from "./canonical-json.js";

/**
 * An event with its canonical body and content hash, both computed on first
 * use: a commit of new movements needs neither (it stores the movement as
 * JSON text, and only a resend or a conflict is compared with what is
 * stored); canonical JSON and SHA-256 of every event were a third of the
 * commit's time.
 */
export interface HashedEvent {
  readonly event: EdgeEvent;
  /** Canonical JSON (`canonicalJson`): equal content, equal text. */
  readonly body: string;
  /** SHA-256 of `body`. */
  readonly hash: string;
}

class LazyHashedEvent implements HashedEvent {
  readonly event: EdgeEvent;
  #body: string | undefined;
  #hash: string | undefined;

  constructor(event: EdgeEvent) {
    this.event = event;
  }

  get body(): string {
    this.#body ??= this.event.kind === "movement" ? canonicalMovement(this.event) : canonicalJson(this.event);
    return this.#body;
  }

  get hash(): string {
    this.#hash ??= contentHash(this.body);
    return this.#hash;
  }
}

export function hashEvents(events: readonly EdgeEvent[]): HashedEvent[] {
  return events.map((event) => new LazyHashedEvent(event));
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
  const first = new Map<string, HashedEvent>();
  for (const h of hashed) {
    const id = h.event.id;
    if (inserted.has(id) && !first.has(id)) {
      first.set(id, h);
      result.committed.push(id);
      result.applied.push(h.event);
      continue;
    }
    const same = inserted.has(id) ? first.get(id)?.hash === h.hash : storedHashes.get(id) === h.hash;
    if (same) result.duplicates.push(id);
    else result.conflicts.push(id);
  }
  return result;
}
