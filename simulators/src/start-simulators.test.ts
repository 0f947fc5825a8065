import { createServer } from "node:net";
import {
  DEVICE_CHANNELS,
  decodeSgtin96,
  deviceSubscription,
  encodeSgtin96,
  parseDeviceMessage,
  parseDeviceTopic,
  type SiteLayout,
} from "@tally/protocols";
import { connectAsync, type MqttClient } from "mqtt";
import { AttributeIds, TimestampsToReturn } from "node-opcua";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { demoScenario } from "./demo-scenario.js";
import type { ExpectedDocument, GroundTruth, Scenario } from "./scenario.js";
import { loadSiteLayout } from "./site-file.js";
import { type RunningSimulators, startSimulators } from "./start-simulators.js";
import { demoSiteOnPort, freePort, openOpcuaSession, startBroker } from "./test-support.js";

const logger = pino({ level: "silent" });
const SPEED = 20;

describe("startSimulators playing the demo against a real broker and an OPC-UA client", () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let site: SiteLayout;
  let sims: RunningSimulators;
  let subscriber: MqttClient;
  let opcua: Awaited<ReturnType<typeof openOpcuaSession>>;
  const received: { topic: string; payload: string; at: number }[] = [];
  const a1Weights: unknown[] = [];
  let truth: GroundTruth;
  let playStart: number;
  let playMs: number;

  beforeAll(async () => {
    broker = await startBroker();
    site = demoSiteOnPort(await freePort());
    const started = performance.now();
    sims = await startSimulators({ site, mqttUrl: broker.url, logger, heartbeatMs: 100 });
    logger.info({ ms: performance.now() - started }, "started");
    subscriber = await connectAsync(broker.url, { clientId: "test-subscriber", protocolVersion: 4 });
    subscriber.on("message", (topic, payload) => received.push({ topic, payload: payload.toString(), at: Date.now() }));
    await subscriber.subscribeAsync(deviceSubscription(site.siteId), { qos: 1 });

    const shelf = site.devices.find((d) => d.kind === "shelf");
    if (shelf?.kind !== "shelf" || shelf.endpointUrl === undefined) throw new Error("demo site has no OPC-UA shelf");
    opcua = await openOpcuaSession(shelf.endpointUrl);
    const subscription = await opcua.session.createSubscription2({
      requestedPublishingInterval: 20,
      publishingEnabled: true,
    });
    const item = await subscription.monitor(
      { nodeId: "ns=1;s=shelf-1/DEMO/PICK/A1/weight", attributeId: AttributeIds.Value },
      { samplingInterval: 0, queueSize: 100, discardOldest: false },
      TimestampsToReturn.Both,
    );
    item.on("changed", (value) => a1Weights.push(value.value.value));

    playStart = Date.now();
    truth = await sims.play(demoScenario(site), { speed: SPEED });
    playMs = Date.now() - playStart;
    // Acknowledged by the broker is not yet delivered to us: wait for the last message to arrive.
    const expected = truth.events - 4; // the four weight changes go over OPC-UA
    await vi.waitFor(() => expect(received.filter((m) => !m.topic.endsWith("/hb")).length).toBe(expected), {
      timeout: 5000,
    });
  });

  afterAll(async () => {
    await opcua?.close();
    await subscriber?.endAsync();
    await sims?.close();
    await broker?.close();
  });

  it("resolves with the demo's ground truth", () => {
    expect(truth.scenario).toBe("demo");
    expect(truth.positions).toEqual([
      { location: "DEMO/COLD/C1", sku: "MILK", qty: 6 },
      { location: "DEMO/DOCK/D1", sku: "SOAP", qty: 24 },
      { location: "DEMO/DOCK/D1", sku: "WIDGET", qty: 2 },
      { location: "DEMO/PICK/A1", sku: "WIDGET", qty: 7 },
      { location: "DEMO/PICK/A2", sku: "GADGET", qty: 3 },
    ]);
    expect(truth.movements).toHaveLength(28);
    expect(truth.excursions).toHaveLength(1);
    const [excursion] = truth.excursions;
    expect(excursion).toMatchObject({ deviceId: "temp-c1", location: "DEMO/COLD/C1" });
    expect(excursion?.endedAt).toBeUndefined();
    // The demo sensor's grace is 0: the excursion is alertable the moment it begins, with the cold room's MILK at risk.
    expect(excursion).toMatchObject({
      zone: "COLD",
      graceS: 0,
      alertable: true,
      stockAtRisk: [{ sku: "MILK", quantity: 6 }],
    });
    expect(excursion?.graceEndsAt).toBe(excursion?.startedAt);
    // 16 s into the play at speed 20 is 800 ms after its start.
    expect(Date.parse(excursion?.startedAt ?? "")).toBeCloseTo(playStart + 16_000 / SPEED, -2);
  });

  it("plays at the requested speed: 22 s of scenario in about 1.1 s", () => {
    expect(playMs).toBeGreaterThanOrEqual(22_000 / SPEED - 5);
    expect(playMs).toBeLessThan(22_000 / SPEED + 2000);
  });

  it("publishes only payloads the protocols schemas accept, on known devices' topics", () => {
    const channels = new Map<string, Set<string>>();
    for (const m of received) {
      const topic = parseDeviceTopic(m.topic);
      expect(topic, m.topic).toBeDefined();
      if (topic === undefined) continue;
      expect(topic.siteId).toBe("DEMO");
      expect(DEVICE_CHANNELS).toContain(topic.channel);
      const parsed = parseDeviceMessage(topic.channel, m.payload);
      expect(parsed, `${m.topic} ${m.payload}`).toMatchObject({ ok: true });
      channels.set(topic.deviceId, (channels.get(topic.deviceId) ?? new Set()).add(topic.channel));
    }
    expect(Object.fromEntries([...channels].map(([device, set]) => [device, [...set].sort()]))).toEqual({
      "portal-d1": ["hb", "read"],
      "scanner-1": ["hb", "scan"],
      "temp-c1": ["hb", "temp"],
    });
  });

  it("counts every message it sent in the truth", () => {
    const byChannel = (c: string) => received.filter((m) => m.topic.endsWith(`/${c}`)).length;
    expect(byChannel("scan")).toBe(4);
    expect(byChannel("temp")).toBe(11);
    expect(byChannel("read") + byChannel("scan") + byChannel("temp") + 4).toBe(truth.events);
  });

  it("reads tags whose SGTIN-96 EPCs decode to the received items' GTINs", () => {
    const gtinToSku = new Map(site.items.flatMap((i) => i.gtins.map((g) => [g, i.sku] as const)));
    const epcs = new Set<string>();
    for (const m of received.filter((m) => m.topic.endsWith("/read"))) {
      const message = JSON.parse(m.payload) as { reads: { epc: string; antenna: number }[] };
      expect(message.reads.length).toBeLessThanOrEqual(50);
      for (const r of message.reads) epcs.add(r.epc);
    }
    const skus = [...epcs].map((epc) => {
      const decoded = decodeSgtin96(epc);
      return decoded.ok ? gtinToSku.get(decoded.value.gtin) : `bad ${epc}`;
    });
    const count = (sku: string) => skus.filter((s) => s === sku).length;
    expect([count("WIDGET"), count("GADGET"), count("MILK"), skus.length]).toEqual([12, 4, 6, 22]);
    const receipts = truth.movements.filter((m) => m.deviceId === "portal-d1").map((m) => m.epc);
    const uris = [...epcs].map((epc) => {
      const decoded = decodeSgtin96(epc);
      return decoded.ok ? decoded.value.pureIdentityUri : epc;
    });
    expect(new Set(receipts)).toEqual(new Set(uris));
  });

  it("moves the shelf's weights over OPC-UA: A1 0 → 2500 → 1750 g, A2 ends at 1200 g", async () => {
    expect(await opcua.read("ns=1;s=shelf-1/DEMO/PICK/A1/weight")).toBe(1750);
    expect(await opcua.read("ns=1;s=shelf-1/DEMO/PICK/A2/weight")).toBe(1200);
    await vi.waitFor(() => expect(a1Weights).toEqual([0, 2500, 1750]), { timeout: 2000 });
  });

  it("sends heartbeats from every MQTT device", () => {
    const beats = received.filter((m) => m.topic.endsWith("/hb"));
    expect(new Set(beats.map((m) => parseDeviceTopic(m.topic)?.deviceId))).toEqual(
      new Set(["portal-d1", "scanner-1", "temp-c1"]),
    );
  });

  it("refuses a second play while one runs, and a bad scenario before sending anything", async () => {
    const short = { name: "short", seed: 1, durationMs: 2000, steps: [] };
    const first = sims.play(short, { speed: SPEED });
    await expect(sims.play(short)).rejects.toThrow(/already playing/);
    await expect(first).resolves.toMatchObject({ scenario: "short", events: 1 });

    const sent = received.filter((m) => m.topic.endsWith("/scan")).length;
    const bad = {
      kind: "scan",
      at: 0,
      deviceId: "scanner-1",
      gtin: "00614141000043",
      qty: 1,
      action: "RECEIPT",
    } as const;
    await expect(
      sims.play({ name: "bad", seed: 1, durationMs: 0, steps: [bad, { ...bad, deviceId: "x" }] }),
    ).rejects.toThrow(/steps\.1 \(scan at 0 ms\): unknown device x/);
    await expect(sims.play(demoScenario(site), { speed: 0 })).rejects.toThrow(/speed must be/);
    // Nothing of the refused scenario went out (a publish would reach us long before this second play ends).
    await sims.play(short, { speed: SPEED });
    expect(received.filter((m) => m.topic.endsWith("/scan")).length).toBe(sent);
  });
});

describe("startSimulators failing", () => {
  it("rejects with the device and URL when the broker is unreachable, and frees the shelf's port", async () => {
    const shelfPort = await freePort();
    const deadBroker = `mqtt://127.0.0.1:${await freePort()}`;
    await expect(startSimulators({ site: demoSiteOnPort(shelfPort), mqttUrl: deadBroker, logger })).rejects.toThrow(
      `cannot connect to ${deadBroker}`,
    );
    // The OPC-UA server that did start was shut down again: its port can be taken.
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(shelfPort, "127.0.0.1", resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

/** One inbound door and one item: small plays. */
const oneDoorSite = loadSiteLayout(`
siteId: S
zones: [{ id: DOCK, kind: dock }]
locations: [{ code: S/DOCK/D1, zone: DOCK }]
devices:
  - { id: portal-1, kind: rfid-portal, location: S/DOCK/D1, direction: inbound, antennas: { outer: [1], inner: [2] } }
items: [{ sku: A, gtins: ["00614141000012"] }]
`);
const oneDoorEpc = (serial: number): string => {
  const e = encodeSgtin96({ gtin: "00614141000012", companyPrefixDigits: 7, serial });
  if (!e.ok) throw new Error(e.error.message);
  return e.value;
};

describe("a play with expected documents", () => {
  const site = oneDoorSite;
  const epc = oneDoorEpc;
  const document: ExpectedDocument = {
    kind: "receipt",
    receipt: { id: "asn-1", siteId: "S", dock: "S/DOCK/D1", lines: [{ sku: "A", qty: 2 }] },
  };
  const scenario: Scenario = {
    name: "asn",
    seed: 1,
    durationMs: 0,
    steps: [
      { kind: "document", at: 0, action: "open", document },
      { kind: "portal-pass", at: 100, deviceId: "portal-1", epcs: [epc(1)], passMs: 400 },
      { kind: "document", at: 600, action: "close", document },
    ],
  };

  it("refuses to play without a documents hook, and calls the hook in order once earlier publishes are acknowledged", async () => {
    const broker = await startBroker();
    const sims = await startSimulators({ site, mqttUrl: broker.url, logger, heartbeatMs: 60_000 });
    try {
      await expect(sims.play(scenario, { speed: "max" })).rejects.toThrow(/documents hook/);
      const calls: { action: string; acknowledged: number }[] = [];
      // The heartbeat sent on connect.
      await vi.waitFor(() => expect(sims.acknowledged()).toBe(1));
      const before = sims.acknowledged();
      const truth = await sims.play(scenario, {
        speed: "max",
        hooks: {
          documents: async (action, doc) => {
            expect(doc).toEqual(document);
            calls.push({ action, acknowledged: sims.acknowledged() - before });
          },
        },
      });
      // The close came after every read of the pass was acknowledged.
      expect(calls).toEqual([
        { action: "open", acknowledged: 0 },
        { action: "close", acknowledged: truth.events },
      ]);
      expect(truth.documents).toEqual([{ ...document, openedAt: expect.any(String), closedAt: expect.any(String) }]);
      expect(truth.tasks).toEqual([
        expect.objectContaining({ taskType: "MISSING_EXPECTED", location: "S/DOCK/D1", sku: "A" }),
      ]);
    } finally {
      await sims.close();
      await broker.close();
    }
  });
});

describe("a play at max speed", () => {
  const site = oneDoorSite;
  const epc = oneDoorEpc;
  const scenario: Scenario = {
    name: "hour",
    seed: 1,
    durationMs: 3_600_000,
    // Two one-second passes of one tag each, three reads per antenna, half an hour apart.
    steps: [60_000, 1_860_000].map((at, i) => ({
      kind: "portal-pass" as const,
      at,
      deviceId: "portal-1",
      epcs: [epc(i + 1)],
      passMs: 1000,
      readsPerTag: { min: 3, max: 3 },
    })),
  };

  it("stamps the scenario's own clock, ending when the play starts, and tells the truth on it with a wall clock to map it", async () => {
    const broker = await startBroker();
    const sims = await startSimulators({ site, mqttUrl: broker.url, logger, heartbeatMs: 60_000 });
    const subscriber = await connectAsync(broker.url, { clientId: "max-subscriber", protocolVersion: 4 });
    const readAts: number[] = [];
    subscriber.on("message", (topic, payload) => {
      if (!topic.endsWith("/read")) return;
      const message = JSON.parse(payload.toString()) as { reads: { readAt: string }[] };
      for (const r of message.reads) readAts.push(Date.parse(r.readAt));
    });
    await subscriber.subscribeAsync(deviceSubscription(site.siteId), { qos: 1 });
    try {
      const before = Date.now();
      const truth = await sims.play(scenario, { speed: "max" });
      const after = Date.now();
      // An hour of scenario went out in far less, yet its device times keep their spacing.
      expect(after - before).toBeLessThan(60_000);
      // Three reads on each antenna, two tags.
      await vi.waitFor(() => expect(readAts).toHaveLength(12));
      readAts.sort((a, b) => a - b);
      const start = Date.parse(truth.startedAt ?? "");
      const zero = start - 3_600_000;
      expect(readAts[0]).toBeGreaterThanOrEqual(zero + 60_000);
      expect(readAts[5]).toBeLessThan(zero + 61_000);
      expect(readAts[6]).toBeGreaterThanOrEqual(zero + 1_860_000);
      expect(readAts[11]).toBeLessThan(zero + 1_861_000);
      expect(truth.movements.map((m) => Date.parse(m.occurredAt))).toEqual([zero + 60_000, zero + 1_860_000]);
      // Each crossed the door in the middle of its 1 s pass; the tolerance is that pass, on the device clock.
      expect(truth.movements.map((m) => [Date.parse(m.crossedAt ?? ""), m.crossingToleranceMs])).toEqual([
        [zero + 60_500, 1000],
        [zero + 1_860_500, 1000],
      ]);
      // The clock maps device time to when the play got there: sorted, within the play's wall time.
      const clock = truth.clock ?? [];
      expect(clock.length).toBeGreaterThanOrEqual(2);
      expect(clock.map((c) => c.deviceMs)).toEqual([...clock.map((c) => c.deviceMs)].sort((a, b) => a - b));
      // First sampled at the first message (sent when its window of reads closes).
      expect(clock[0]?.deviceMs).toBeGreaterThanOrEqual(readAts[0] ?? 0);
      expect(clock[0]?.deviceMs).toBeLessThanOrEqual(zero + 61_000);
      expect(clock.at(-1)?.deviceMs).toBe(start);
      for (const c of clock) {
        expect(c.wallMs).toBeGreaterThanOrEqual(before);
        expect(c.wallMs).toBeLessThanOrEqual(after);
      }
    } finally {
      await subscriber.endAsync();
      await sims.close();
      await broker.close();
    }
  });

  it("stamps the wall clock at a numeric speed, and needs no clock then", async () => {
    const broker = await startBroker();
    const sims = await startSimulators({ site, mqttUrl: broker.url, logger, heartbeatMs: 60_000 });
    try {
      const short: Scenario = {
        ...scenario,
        durationMs: 1000,
        steps: [{ ...scenario.steps[0], at: 500 } as Scenario["steps"][number]],
      };
      const truth = await sims.play(short, { speed: 10 });
      expect(truth.clock).toBeUndefined();
      expect(Date.parse(truth.movements[0]?.occurredAt ?? "")).toBe(Date.parse(truth.startedAt ?? "") + 50);
      // At ×10 the 1 s pass takes 100 ms of device clock: its middle is 50 ms in, and it is the tolerance.
      expect(Date.parse(truth.movements[0]?.crossedAt ?? "")).toBe(Date.parse(truth.startedAt ?? "") + 100);
      expect(truth.movements[0]?.crossingToleranceMs).toBe(100);
    } finally {
      await sims.close();
      await broker.close();
    }
  });
});
