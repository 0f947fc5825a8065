import { existsSync } from "node:fs";
import { ErrorCode, type Rejection, type Result } from "@tally/protocols";
import Database from "better-sqlite3";
import type { DeadLetteredEvent } from "../ports/outbox.js";
import { type DeadLetterRow, deadLetterFromRow } from "./sqlite-outbox.js";

export interface DeadLetterListing {
  /** Newest first. */
  letters: DeadLetteredEvent[];
  /** Dead letters in the file. */
  count: number;
  /** Oldest dead letters dropped to keep the bound, since the file was made. */
  dropped: number;
}

/**
 * Reads the newest `limit` dead letters of an edge's outbox file, read-only:
 * safe while the edge runs (WAL), and it never makes a file that is not
 * there. A file from before dead letters were kept has none.
 */
export function readDeadLetters(file: string, limit: number): Result<DeadLetterListing, Rejection> {
  if (!existsSync(file)) {
    return { ok: false, error: { code: ErrorCode.NotFound, reason: `no edge outbox at ${file}` } };
  }
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'dead_letters'").get();
    if (hasTable === undefined) return { ok: true, value: { letters: [], count: 0, dropped: 0 } };
    const rows = db
      .prepare<[number], DeadLetterRow>(
        "SELECT code, reason, batch_id, dead_lettered_at, body FROM dead_letters ORDER BY seq DESC LIMIT ?",
      )
      .all(Math.max(0, Math.trunc(limit)));
    const count = (db.prepare("SELECT count(*) AS n FROM dead_letters").get() as { n: number }).n;
    const dropped = db.prepare("SELECT value FROM outbox_meta WHERE name = 'dead_letters_dropped'").get() as
      | { value: number }
      | undefined;
    return { ok: true, value: { letters: rows.map(deadLetterFromRow), count, dropped: dropped?.value ?? 0 } };
  } finally {
    db.close();
  }
}
