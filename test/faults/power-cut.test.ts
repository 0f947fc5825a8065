import { join } from "node:path";
import { outboxPlatter, SqliteJournal } from "@tally/edge";
import { seededRandom } from "@tally/simulators";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { rigs } from "./support/fault-rig.js";

const SEED = 7301;

/** Events in an outbox file, as the next process will find them. */
function eventsIn(file: string): number {
  const db = new Database(file);
  try {
    return (db.prepare("SELECT count(*) AS n FROM outbox").get() as { n: number }).n;
  } finally {
    db.close();
  }
}
const BURST = 30_000;

describe("fault: a power cut takes the outbox's writes since its last sync", () => {
  const rig = rigs();

  // The outbox's appends are not fsync'd on their own (decision 0190): a power cut can take the last of them,
  // the device journal keeps their messages until a sync covers them, and a replay writes them again.
  it(`exactly ${BURST.toLocaleString("en")} movements in the ledger after the outbox lost what it had not synced`, async () => {
    const random = seededRandom(SEED);
    // The journal keeps twice the longest stationary time (plus settling) as context, and a replay goes through
    // all of it: 1 s portals keep that to seconds, so what it keeps past the checkpoint is what this tests.
    const r = await rig({
      name: "power-cut",
      site: (site) => ({
        ...site,
        devices: site.devices.map((d) =>
          d.kind === "rfid-portal" ? { ...d, presence: { ...d.presence, stationaryMs: 1000 } } : d,
        ),
      }),
    });
    const platterDir = join(r.dir, "platter");
    const outboxFile = join(r.dir, "edge-data", "edge", "edge-f", "outbox.db");
    // The cloud is away: nothing leaves the outbox, so what the cut takes can only come back from the journal.
    await r.edge.start({ TALLY_TEST_OUTBOX_PLATTER_DIR: platterDir });
    const load = await r.load({ count: BURST, seed: SEED, tag: "PC", window: 500, ratePerS: 1000 });
    // Late in the burst (seeded), 20 s or more into it: by then the journal has let go of what is both behind
    // its checkpoint and older than its context, so only the outbox has those scans' events. A cut right after
    // the outbox synced takes nothing and would prove nothing: then the edge starts again (a kill -9 alone,
    // which the journal covers) and is cut again later in the burst.
    let written = 0;
    let kept = 0;
    let journalled = { kept: 0, checkpoint: 0 };
    for (let attempt = 0; attempt < 3 && kept === written; attempt++) {
      if (attempt > 0) {
        r.note(`the cut took nothing (the outbox had just synced): attempt ${attempt + 1}, later in the burst`);
        await r.edge.start({ TALLY_TEST_OUTBOX_PLATTER_DIR: platterDir });
      }
      const from = 0.7 + attempt * 0.08;
      await load.ackedAtLeast(random.int(BURST * from, BURST * (from + 0.06)));
      await r.edge.kill9();
      // What a kill -9 alone leaves (the OS has every write), then what the power cut leaves of it.
      written = eventsIn(outboxFile);
      const journal = new SqliteJournal(join(r.dir, "edge-data", "edge", "edge-f", "journal.db"));
      journalled = { kept: journal.depth(), checkpoint: journal.checkpointed() };
      journal.close();
      r.note(`journal: ${journalled.kept} messages kept, checkpoint at ${journalled.checkpoint}`);
      outboxPlatter(outboxFile, platterDir).cut();
      kept = eventsIn(outboxFile);
      r.note(`power cut at ${load.acked.size} acknowledged scans: ${kept} of the ${written} events written kept`);
    }
    await r.edge.start();
    await load.done;
    await r.cloud.start();
    const report = await r.settle([load], 180_000);
    r.note(`settled: ${report.movements} movements, ${report.lost} lost, ${report.duplicated} duplicated`);
    // The cut took something: otherwise this test would prove nothing.
    expect(kept).toBeLessThan(written);
    expect(journalled.kept).toBeLessThan(load.acked.size);
    expect(report).toEqual(expect.objectContaining({ sent: BURST, lost: 0, duplicated: 0, unexpected: 0 }));
    expect(report.movements).toBe(BURST);
  }, 300_000);
});
