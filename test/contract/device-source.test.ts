import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  connectMqttDeviceSource,
  connectOpcuaShelf,
  decodeDeviceMessage,
  indexSite,
  prepareOpcuaClientPki,
} from "@tally/edge";
import { deviceTopic, type ShelfDevice } from "@tally/protocols";
import { DEMO_SITE_FILE, readSiteFile, shelfSiteAtScale, startOpcuaShelf } from "@tally/simulators";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe } from "vitest";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { probeLocalMosquitto } from "../support/mosquitto.js";
import { testLogger } from "../support/quiet-logger.js";
import { deviceSourceContract } from "./device-source-contract.js";

const quiet = testLogger();

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tally-device-source-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const broker = await probeLocalMosquitto();
describe.skipIf("unavailable" in broker)("MQTT device source", () => {
  afterAll(async () => {
    if (!("unavailable" in broker)) await broker.stop();
  });
  deviceSourceContract("mqtt", async () => {
    if ("unavailable" in broker) throw new Error(broker.unavailable);
    const site = await readSiteFile(DEMO_SITE_FILE);
    const index = indexSite(site);
    const source = await connectMqttDeviceSource({
      url: broker.url,
      siteId: site.siteId,
      // A fresh edge id each time: the persistent session of an earlier test must not replay into this one.
      edgeId: `contract-${randomUUID()}`,
      logger: quiet,
      accept: async (topic, payload) => {
        const decoded = decodeDeviceMessage(index, topic, payload, Date.now());
        return decoded.ok ? decoded.value : [];
      },
    });
    const device = await mqtt.connectAsync(broker.url, { clientId: `scanner-${randomUUID()}` });
    return {
      source,
      deviceId: "scanner-1",
      send: async (n) => {
        const body = JSON.stringify({
          gtin: "00614141000012",
          action: "RECEIPT",
          lot: `L${n}`,
          scannedAt: new Date().toISOString(),
        });
        await device.publishAsync(deviceTopic(site.siteId, "scanner-1", "scan"), body, { qos: 1 });
      },
      stop: () => device.endAsync(),
    };
  });
});

deviceSourceContract("opcua shelf", async () => {
  const site = shelfSiteAtScale({ endpointUrl: `opc.tcp://127.0.0.1:${await freePort()}/UA/TallyShelf`, bins: 3 });
  const shelf = site.devices.find((d): d is ShelfDevice => d.kind === "shelf");
  if (shelf === undefined) throw new Error("no shelf");
  const server = await startOpcuaShelf(shelf, quiet);
  const [location] = shelf.bins.map((b) => b.location);
  if (location === undefined) throw new Error("no bin");
  const source = connectOpcuaShelf(shelf, {
    logger: quiet,
    // One client PKI for every test of the file: the key pair is made once.
    pki: prepareOpcuaClientPki(join(root, "pki"), { edgeId: "contract", trustOnFirstUse: true, logger: quiet }),
    mode: "development",
    secretEnv: {},
    onCondition: () => {},
    siteId: site.siteId,
    newId: randomUUID,
  });
  // The first value of each bin arrives on its own at subscription: the contract counts from after it.
  let first = 0;
  const initial = source.observations$.subscribe(() => first++);
  await source.ready;
  await eventually(
    () => first,
    (n) => n >= 3,
    { what: "each bin's first value" },
  );
  initial.unsubscribe();
  return {
    source,
    deviceId: shelf.id,
    send: async (n) => {
      if (server.running) server.setGrams(location, n * 250);
    },
    stop: () => server.close(),
  };
});
