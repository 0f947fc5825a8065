import type { EdgeEvent } from "@tally/protocols";
import type Database from "better-sqlite3";
import { type SkuMove, skuMoveOf, type TagMemory, type TagWhereabouts } from "../domain/tag-whereabouts.js";

/** Rows kept by default: the tags whose last crossing is remembered (as `RfidEventsConfig.maxTags`). */
export const DEFAULT_MAX_TAG_CROSSINGS = 200_000;

/** (location, SKU) pairs whose latest move without serials is kept (as `rfidEvents` keeps them). */
const MAX_SKU_MOVES = 100_000;

/** How far past the bound the table may grow before the oldest rows are dropped in one go. */
const PRUNE_SLACK = 0.05;

interface Row {
  tag: string;
  portal_id: string;
  direction: string;
  at_ms: number;
  location: string | null;
}

/**
 * Each tag's last crossing and where its goods went, in the outbox's file,
 * written by the outbox's own append transaction (`SqliteOutboxOptions.alongside`):
 * a movement and the memory that it was made are on disk together or not at
 * all, so a kill -9 can neither lose the memory of a movement sent nor
 * remember one that was never queued. One row per tag, the newest crossing
 * wins (a replayed older movement does not move it back); bounded, the
 * oldest crossings dropped first. Beside it, `sku_moves`: the latest move of
 * each SKU out of each location without serials (a putaway scan), which
 * tagged goods last known there are taken to have followed.
 */
export class SqliteTagCrossings {
  readonly #upsert: Database.Statement<[string, string, string, number, string | null]>;
  readonly #count: Database.Statement<[], { n: number }>;
  readonly #prune: Database.Statement<[number]>;
  readonly #all: Database.Statement<[], Row>;
  readonly #upsertSkuMove: Database.Statement<[string, string, string, number]>;
  readonly #pruneSkuMoves: Database.Statement<[number]>;
  readonly #allSkuMoves: Database.Statement<
    [],
    { from_location: string; sku: string; to_location: string; at_ms: number }
  >;
  #rows: number;
  #skuMoveRows: number;

  constructor(
    db: Database.Database,
    private readonly derive: (event: EdgeEvent) => TagWhereabouts | undefined,
    private readonly maxRows = DEFAULT_MAX_TAG_CROSSINGS,
  ) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS tag_crossings (
        tag TEXT PRIMARY KEY,
        portal_id TEXT NOT NULL,
        direction TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        location TEXT
      );
      CREATE INDEX IF NOT EXISTS tag_crossings_at ON tag_crossings (at_ms);
      CREATE TABLE IF NOT EXISTS sku_moves (
        from_location TEXT NOT NULL,
        sku TEXT NOT NULL,
        to_location TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        PRIMARY KEY (from_location, sku)
      )`);
    this.#upsert = db.prepare(
      `INSERT INTO tag_crossings (tag, portal_id, direction, at_ms, location) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (tag) DO UPDATE SET portal_id = excluded.portal_id, direction = excluded.direction,
         at_ms = excluded.at_ms, location = excluded.location
       WHERE excluded.at_ms >= tag_crossings.at_ms`,
    );
    this.#count = db.prepare("SELECT count(*) AS n FROM tag_crossings");
    this.#prune = db.prepare(
      "DELETE FROM tag_crossings WHERE tag IN (SELECT tag FROM tag_crossings ORDER BY at_ms LIMIT ?)",
    );
    this.#all = db.prepare("SELECT tag, portal_id, direction, at_ms, location FROM tag_crossings ORDER BY at_ms");
    this.#rows = this.#count.get()?.n ?? 0;
    this.#upsertSkuMove = db.prepare(
      `INSERT INTO sku_moves (from_location, sku, to_location, at_ms) VALUES (?, ?, ?, ?)
       ON CONFLICT (from_location, sku) DO UPDATE SET to_location = excluded.to_location, at_ms = excluded.at_ms
       WHERE excluded.at_ms >= sku_moves.at_ms`,
    );
    this.#pruneSkuMoves = db.prepare(
      `DELETE FROM sku_moves WHERE rowid IN (SELECT rowid FROM sku_moves ORDER BY at_ms DESC LIMIT -1 OFFSET ?)`,
    );
    this.#allSkuMoves = db.prepare("SELECT from_location, sku, to_location, at_ms FROM sku_moves ORDER BY at_ms");
    this.#skuMoveRows = (db.prepare("SELECT count(*) AS n FROM sku_moves").get() as { n: number }).n;
  }

  /** Inside the outbox's append transaction: the whereabouts the events record. */
  record(events: readonly EdgeEvent[]): void {
    let wrote = 0;
    for (const event of events) {
      const move = skuMoveOf(event);
      if (move !== undefined) this.#recordSkuMove(move);
      const known = this.derive(event);
      if (known === undefined) continue;
      wrote += this.#upsert.run(
        known.tag,
        known.portalId,
        known.direction,
        Math.trunc(known.atMs),
        known.location,
      ).changes;
    }
    if (wrote === 0) return;
    // An upper bound (an update counts as a row), counted exactly only now and then: a count per append scans.
    this.#rows += wrote;
    if (this.#rows > this.maxRows * (1 + PRUNE_SLACK)) {
      const n = this.#count.get()?.n ?? 0;
      if (n > this.maxRows) this.#prune.run(n - this.maxRows);
      this.#rows = Math.min(n, this.maxRows);
    }
  }

  #recordSkuMove(move: SkuMove): void {
    this.#skuMoveRows += this.#upsertSkuMove.run(move.from, move.sku, move.to, Math.trunc(move.atMs)).changes;
    if (this.#skuMoveRows > MAX_SKU_MOVES * (1 + PRUNE_SLACK)) {
      this.#pruneSkuMoves.run(MAX_SKU_MOVES);
      this.#skuMoveRows = MAX_SKU_MOVES;
    }
  }

  /** Every tag and SKU move remembered, oldest first (so a bounded memory loading them keeps the newest). */
  load(): TagMemory {
    const tags: TagWhereabouts[] = this.#all.all().map((row) => ({
      tag: row.tag,
      portalId: row.portal_id,
      direction: row.direction === "outbound" ? "outbound" : "inbound",
      atMs: row.at_ms,
      location: row.location,
    }));
    const skuMoves: SkuMove[] = this.#allSkuMoves
      .all()
      .map((row) => ({ from: row.from_location, sku: row.sku, to: row.to_location, atMs: row.at_ms }));
    return { tags, skuMoves };
  }
}
