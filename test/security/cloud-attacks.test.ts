import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { issueToken, type RunningCloud, startCloud } from "@tally/cloud";
import { ackTopic, CommitAck, type EdgeBatch, ErrorCode, type Movement, uplinkBatchTopic } from "@tally/protocols";
import mqtt from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { siteLayout } from "../contract/event-fixtures.js";
import { testLogger } from "../support/quiet-logger.js";

/**
 * Attacks on a running cloud through its real listeners (HTTP and MQTT),
 * each of which committed stock or answered everything before: ingest
 * without the edge's own credential, movements the site cannot have, and an
 * anonymous read of the whole stock in one answer.
 */
describe("a running cloud against hostile callers", () => {
  let dir: string;
  let cloud: RunningCloud;
  const tokens: Record<string, string> = {};

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "tally-sec-cloud-"));
    cloud = await startCloud({ port: 0, dataDir: dir, mqtt: { embedded: { port: 0 } }, logger: testLogger() });
    await cloud.store.importSite(siteLayout());
    for (const [name, role, edgeId] of [
      ["edge", "edge", "edge-1"],
      ["otherEdge", "edge", "edge-2"],
      ["viewer", "viewer", undefined],
    ] as const) {
      const issued = await issueToken(cloud.store.security, {
        name,
        role,
        sites: ["S1"],
        ...(edgeId !== undefined && { edgeId }),
        createdBy: "test",
      });
      if (!issued.ok) throw new Error(issued.reason);
      tokens[name] = issued.text;
    }
  });
  afterEach(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  const receipt = (overrides: Partial<Movement> = {}): Movement => ({
    kind: "movement",
    id: randomUUID(),
    siteId: "S1",
    occurredAt: new Date().toISOString(),
    movementType: "RECEIPT",
    sku: "SKU-1",
    qty: 999_999,
    to: "S1/A/01",
    evidence: { deviceId: "portal-1", observationIds: [] },
    confidence: 1,
    ...overrides,
  });
  const batchOf = (events: Movement[], edgeId = "edge-1"): EdgeBatch => ({
    v: 1,
    edgeId,
    siteId: "S1",
    batchId: randomUUID(),
    seq: 0,
    sentAt: new Date().toISOString(),
    events,
  });

  it("POST /v1/ingest commits nothing without the edge's own token", async () => {
    const forged = batchOf([receipt()]);
    const post = (token?: string) =>
      fetch(`${cloud.url}/v1/ingest`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token !== undefined && { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify(forged),
      });
    expect((await post()).status).toBe(401);
    expect((await post("not-a-token-at-all-0123")).status).toBe(401);
    expect((await post(tokens.viewer)).status).toBe(403);
    expect((await post(tokens.otherEdge)).status).toBe(403);
    expect(await cloud.store.movements()).toEqual([]);
    const committed = await post(tokens.edge);
    expect(committed.status).toBe(200);
    expect(CommitAck.parse(await committed.json()).committed).toHaveLength(1);
  });

  it("movements to another site's location, to a location that does not exist, of an unknown SKU or dated 9999 are refused in the ack; the rest commits", async () => {
    const client = await mqtt.connectAsync(cloud.mqttUrl, {
      reconnectPeriod: 0,
      username: "edge-1",
      password: tokens.edge,
    });
    try {
      const acks: CommitAck[] = [];
      client.on("message", (_topic, payload) => acks.push(CommitAck.parse(JSON.parse(payload.toString("utf8")))));
      await client.subscribeAsync(ackTopic("S1", "edge-1"), { qos: 1 });
      const good = receipt({ qty: 4 });
      const impossible = [
        receipt({ to: "S2/A/01" }),
        receipt({ to: "S1/A/99" }),
        receipt({ sku: "NOT-IN-THE-MASTER" }),
        receipt({ occurredAt: "9999-12-31T23:59:59.000Z" }),
      ];
      await client.publishAsync(uplinkBatchTopic("S1", "edge-1"), JSON.stringify(batchOf([good, ...impossible])), {
        qos: 1,
      });
      await expect.poll(() => acks.length).toBe(1);
      const [ack] = acks;
      expect(ack?.committed).toEqual([good.id]);
      expect(ack?.rejected.map((r) => [r.id, r.code])).toEqual([
        [impossible[0]?.id, ErrorCode.LocationUnknown],
        [impossible[1]?.id, ErrorCode.LocationUnknown],
        [impossible[2]?.id, ErrorCode.SkuUnknown],
        [impossible[3]?.id, ErrorCode.TimeOutOfRange],
      ]);
      expect(await cloud.store.stock()).toEqual([{ sku: "SKU-1", location: "S1/A/01", lot: "", qty: 4 }]);
    } finally {
      await client.endAsync(true);
    }
  });

  it("GET /v1/stock never answers a large ledger in one piece", async () => {
    const locations = Array.from({ length: 1100 }, (_, i) => ({ code: `S1/A/B${i}`, zone: "A" }));
    const layout = siteLayout();
    await cloud.store.importSite({ ...layout, locations: [...layout.locations, ...locations] });
    const events = locations.map((l) => receipt({ to: l.code, qty: 1 }));
    const posted = await fetch(`${cloud.url}/v1/ingest`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${tokens.edge}` },
      body: JSON.stringify(batchOf(events)),
    });
    expect(CommitAck.parse(await posted.json()).committed).toHaveLength(1100);
    // Anonymous on the loopback in development mode: reads are open, but paged.
    const page = (await (await fetch(`${cloud.url}/v1/stock?limit=100000`)).json()) as { status?: number };
    expect(page.status).toBe(400);
    let after: string | undefined;
    let seen = 0;
    let pages = 0;
    do {
      const url = `${cloud.url}/v1/stock?limit=1000${after === undefined ? "" : `&after=${encodeURIComponent(after)}`}`;
      const body = (await (await fetch(url)).json()) as { positions: unknown[]; next?: string };
      expect(body.positions.length).toBeLessThanOrEqual(1000);
      seen += body.positions.length;
      after = body.next;
      pages += 1;
    } while (after !== undefined && pages < 10);
    expect(seen).toBe(1100);
    expect(pages).toBe(2);
  });
});
