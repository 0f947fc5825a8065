import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLedgerStore, sqliteLedgerFile } from "@tally/cloud";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { meta, movement } from "./event-fixtures.js";
import { ledgerInvariants } from "./ledger-invariants.js";
import { ledgerStoreContract } from "./ledger-store-contract.js";

let root: string;
let count = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tally-sqlite-ledger-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

ledgerStoreContract("sqlite", async () => {
  count += 1;
  return createLedgerStore({ dataDir: join(root, `store-${count}`) });
});

ledgerInvariants("sqlite", async () => {
  count += 1;
  return createLedgerStore({ dataDir: join(root, `store-${count}`) });
});

describe("SQLite ledger store", () => {
  it("refuses UPDATE and DELETE of movements and events (triggers)", async () => {
    const dataDir = join(root, "append-only");
    const store = await createLedgerStore({ dataDir });
    await store.commit(meta(), [movement({ sku: "SKU-1", qty: 3, to: "S1/A/01" })]);
    const db = new BetterSqlite3(sqliteLedgerFile(dataDir));
    try {
      for (const sql of [
        "UPDATE movements SET qty = 30",
        "DELETE FROM movements",
        "UPDATE events SET body = '{}'",
        "DELETE FROM events",
      ]) {
        expect(() => db.exec(sql), sql).toThrow(/TALLY_ERR_LEDGER_APPEND_ONLY/);
      }
      expect((await store.movements())[0]?.qty).toBe(3);
    } finally {
      db.close();
      await store.close();
    }
  });

  it("lives at <dataDir>/cloud/ledger.db and keeps its data across reopening", async () => {
    const dataDir = join(root, "reopen");
    expect(sqliteLedgerFile(dataDir)).toBe(join(dataDir, "cloud", "ledger.db"));
    const first = await createLedgerStore({ dataDir });
    const m = movement({ sku: "SKU-1", qty: 3, to: "S1/A/01" });
    await first.commit(meta(), [m]);
    await first.close();
    const second = await createLedgerStore({ dataDir });
    try {
      expect(await second.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: 3 }]);
      expect((await second.commit(meta(), [m])).duplicates).toEqual([m.id]);
    } finally {
      await second.close();
    }
  });
});
