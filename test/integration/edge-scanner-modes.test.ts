import { join } from "node:path";
import { startEdge } from "@tally/edge";
import { deviceTopic, type Movement, type SiteLayout } from "@tally/protocols";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { linkEdge } from "../support/link-edge.js";
import { testLogger } from "../support/quiet-logger.js";
import { cloudInTempDir } from "../support/temp-cloud.js";

const logger = testLogger();
const EDGE = "edge-scanner-modes";
// GS1 Digital Link / URI syntax worked example GLN, here on the ship dock's label.
const SHIP_DOCK_GLN = "9520123456788";

describe("scanner modes through a real edge and cloud", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("a SHIP scan of the ship dock's GLN label and a RETURN scan reach the ledger with the operator", async () => {
    const { dataDir, cloud } = await cloudInTempDir(stops, "tally-scanner-modes-", logger);
    const demo = await demoSiteOnPort(await freePort());
    const site: SiteLayout = {
      ...demo,
      locations: [
        ...demo.locations.map((l) => (l.code === "DEMO/SHIP/S1" ? { ...l, gln: SHIP_DOCK_GLN } : l)),
        { code: "DEMO/DOCK/RET", zone: "DOCK" },
      ],
      devices: demo.devices.map((d) => (d.kind === "scanner" ? { ...d, returnsLocation: "DEMO/DOCK/RET" } : d)),
    };
    const edge = await startEdge({
      site,
      edgeId: EDGE,
      // Anonymous simulated devices on the loopback.
      mode: "development",
      devices: { embedded: { port: 0 } },
      uplink: { httpUrl: cloud.url, token: await linkEdge(cloud, site, EDGE), flushMs: 10, ackTimeoutMs: 500 },
      logger,
      dataDir: join(dataDir, "edge"),
    });
    stops.push(() => edge.close());
    const scanner = await mqtt.connectAsync(edge.deviceMqttUrl, { clientId: "scanner-modes" });
    stops.push(() => scanner.endAsync());
    const t0 = Date.now() - 1000;
    const send = (body: object) =>
      scanner.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), JSON.stringify(body), { qos: 1 });
    await send({
      code: "]C1010061414100004310RET-7",
      qty: 3,
      action: "SHIP",
      location: `]C1414${SHIP_DOCK_GLN}`,
      operatorId: "op-ship",
      scannedAt: new Date(t0).toISOString(),
    });
    // No location: the scanner's returnsLocation.
    await send({
      gtin: "00614141000043",
      action: "RETURN",
      operatorId: "op-returns",
      scannedAt: new Date(t0 + 1).toISOString(),
    });
    await edge.drained();

    const scanned = await eventually(
      async () => (await cloud.store.movements({ limit: 100 })).filter((m) => m.evidence.deviceId === "scanner-1"),
      (m) => m.length === 2,
      { what: "the two scans in the ledger" },
    );
    const byType = (type: Movement["movementType"]) => scanned.find((m) => m.movementType === type);
    expect(byType("SHIPMENT")).toMatchObject({
      sku: "SOAP",
      qty: 3,
      from: "DEMO/SHIP/S1",
      lot: "RET-7",
      evidence: { operatorId: "op-ship" },
    });
    expect(byType("SHIPMENT")).not.toHaveProperty("to");
    expect(byType("RETURN")).toMatchObject({
      sku: "SOAP",
      qty: 1,
      to: "DEMO/DOCK/RET",
      evidence: { operatorId: "op-returns" },
    });

    // The API answers the operator too (kept in the movement's evidence, no column of its own).
    const answer = await fetch(`${cloud.url}/v1/movements?limit=100`, {
      headers: { authorization: `Bearer ${cloud.adminToken}` },
    });
    const body = (await answer.json()) as { movements: Movement[] };
    expect(
      body.movements
        .map((m) => m.evidence.operatorId)
        .filter((o) => o !== undefined)
        .sort(),
    ).toEqual(["op-returns", "op-ship"]);
    const stock = await cloud.store.stock({ sku: "SOAP" });
    expect(stock).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ location: "DEMO/SHIP/S1", qty: -3 }),
        expect.objectContaining({ location: "DEMO/DOCK/RET", qty: 1 }),
      ]),
    );
  });
});
