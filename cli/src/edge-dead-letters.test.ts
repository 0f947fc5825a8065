import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteOutbox } from "@tally/edge";
import type { EdgeEvent } from "@tally/protocols";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTally } from "./testing/run-tally.js";

const tally = (...args: string[]) => runTally({}, ...args);

const receipt = (n: number): EdgeEvent => ({
  kind: "movement",
  id: `01900000-0000-7000-9000-${String(n).padStart(12, "0")}`,
  siteId: "DEMO",
  occurredAt: "2024-01-01T08:00:00.000Z",
  movementType: "RECEIPT",
  sku: "WIDGET",
  qty: 1,
  to: "DEMO/DOCK/D1",
  evidence: { deviceId: "scanner-1", observationIds: [] },
  confidence: 1,
});

describe("tally edge dead-letters", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "tally-dead-letters-cli-"));
    // The outbox as an edge left it: one event committed, two refused for good.
    const outbox = new SqliteOutbox(join(dir, "edge", "edge-dl", "outbox.db"));
    await outbox.append([receipt(1), receipt(2), receipt(3)]);
    await outbox.remove(
      [receipt(1).id],
      [
        { id: receipt(2).id, code: "TALLY_ERR_TIME_OUT_OF_RANGE", reason: "too old", batchId: "b-1" },
        { id: receipt(3).id, code: "TALLY_ERR_LOCATION_UNKNOWN", reason: "no dock D1", batchId: "b-1" },
      ],
    );
    outbox.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists what the cloud refused, newest first, one JSON line each with its code, reason and event", async () => {
    const listed = await tally("edge", "dead-letters", "--data-dir", dir, "--edge-id", "edge-dl");
    expect(listed.code).toBe(0);
    expect(listed.lines).toEqual([
      {
        eventId: receipt(3).id,
        kind: "movement",
        code: "TALLY_ERR_LOCATION_UNKNOWN",
        reason: "no dock D1",
        batchId: "b-1",
        deadLetteredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        event: receipt(3),
      },
      expect.objectContaining({ eventId: receipt(2).id, code: "TALLY_ERR_TIME_OUT_OF_RANGE", reason: "too old" }),
    ]);
    const one = await tally("edge", "dead-letters", "--data-dir", dir, "--edge-id", "edge-dl", "--limit", "1");
    expect(one.lines.map((l) => l.eventId)).toEqual([receipt(3).id]);
  });

  it("refuses an edge that has no outbox, and a bad limit, with exit status 1", async () => {
    const missing = await tally("edge", "dead-letters", "--data-dir", dir, "--edge-id", "edge-nope");
    expect(missing.code).toBe(1);
    expect(missing.lines).toEqual([
      { error: { code: "TALLY_ERR_NOT_FOUND", message: expect.stringContaining("edge-nope") } },
    ]);
    const bad = await tally("edge", "dead-letters", "--data-dir", dir, "--edge-id", "edge-dl", "--limit", "zero");
    expect(bad.code).toBe(1);
    expect(bad.lines).toEqual([{ error: { code: "TALLY_ERR_USAGE", message: expect.stringContaining("--limit") } }]);
  });
});
