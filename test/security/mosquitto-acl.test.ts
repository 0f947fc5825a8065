import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type RunningEdge, startEdge, startEmbeddedBroker } from "@tally/edge";
import { mosquittoAcl } from "@tally/edge/security";
import { deviceTopic } from "@tally/protocols";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.js";
import {
  findMosquittoPasswd,
  type LocalMosquitto,
  MosquittoUnavailableError,
  probeLocalMosquitto,
} from "../support/mosquitto.js";
import { testLogger } from "../support/quiet-logger.js";
import { attackSite, connectOutcome, grantedQos, publishOutcome, receiptScan } from "./support/secure-edge.js";

const run = promisify(execFile);
const logger = testLogger();
const EDGE_USER = "tally-edge";
const passwords: Record<string, string> = {
  [EDGE_USER]: "edge-password",
  "scanner-1": "scanner-1-password",
  "scanner-2": "scanner-2-password",
};

/** A Mosquitto with a password_file made by `mosquitto_passwd -b` and the acl_file `tally device mosquitto-acl` prints. */
async function securedMosquitto(dir: string): Promise<LocalMosquitto | { unavailable: string }> {
  const passwd = findMosquittoPasswd();
  if (passwd === undefined) {
    if (process.env.CI === "true") throw new MosquittoUnavailableError("mosquitto_passwd not found");
    return { unavailable: "mosquitto_passwd not found" };
  }
  const passwordFile = join(dir, "passwords");
  await writeFile(passwordFile, "", { mode: 0o600 });
  for (const [user, password] of Object.entries(passwords)) await run(passwd, ["-b", passwordFile, user, password]);
  const aclFile = join(dir, "acl");
  await writeFile(aclFile, mosquittoAcl(await attackSite(), EDGE_USER), { mode: 0o600 });
  return probeLocalMosquitto({
    allowAnonymous: false,
    extraConfig: [`password_file ${passwordFile}`, `acl_file ${aclFile}`, "max_packet_size 270336"],
  });
}

describe("the device rules on an external Mosquitto", () => {
  const stops: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("keeps devices to their own topics while their own publishes reach the edge", async (context) => {
    const dir = await mkdtemp(join(tmpdir(), "tally-mosquitto-acl-"));
    stops.push(() => rm(dir, { recursive: true, force: true }));
    const broker = await securedMosquitto(dir);
    if ("unavailable" in broker) {
      context.skip(broker.unavailable);
      return;
    }
    stops.push(() => broker.stop());
    const cloudBroker = await startEmbeddedBroker({ host: "127.0.0.1", port: 0, logger });
    stops.push(() => cloudBroker.close());
    const edge: RunningEdge = await startEdge({
      site: await attackSite(),
      edgeId: "edge-ext",
      devices: { url: broker.url, username: EDGE_USER, password: passwords[EDGE_USER] },
      uplink: { mqttUrl: cloudBroker.url },
      logger,
    });
    stops.push(() => edge.close());
    const device = async (id: string, role: string): Promise<MqttClient> => {
      const client = await mqtt.connectAsync(broker.url, {
        clientId: `acl-${id}-${role}`,
        username: id,
        password: passwords[id],
        reconnectPeriod: 0,
      });
      stops.push(() => client.endAsync(true));
      return client;
    };

    // No login, no entry; a wrong password neither.
    expect(await connectOutcome(broker.url, { clientId: "anon" })).toBe(5);
    expect(await connectOutcome(broker.url, { clientId: "guess", username: "scanner-1", password: "guess" })).toBe(5);

    // Mosquitto grants a `#` subscription but delivers only what the ACL lets the user read: its own dead letters.
    const spy = await device("scanner-2", "spy");
    const seen = new Set<string>();
    spy.on("message", (topic) => seen.add(topic));
    await grantedQos(spy, "#");
    // Publishing as scanner-1 is dropped: whether Mosquitto acknowledges it or closes the connection,
    // nothing reaches the edge.
    const forger = await device("scanner-2", "forger");
    await publishOutcome(forger, deviceTopic("DEMO", "scanner-1", "scan"), receiptScan());
    // scanner-2's own scan and scanner-1's own scan do reach the edge, after the forged one.
    const scanner2 = await device("scanner-2", "honest");
    await scanner2.publishAsync(deviceTopic("DEMO", "scanner-2", "scan"), receiptScan(), { qos: 1 });
    const scanner1 = await device("scanner-1", "honest");
    await scanner1.publishAsync(deviceTopic("DEMO", "scanner-1", "scan"), receiptScan(), { qos: 1 });
    await eventually(
      () => edge.metrics().messagesReceived,
      (n) => n >= 2,
      { what: "both devices' own scans at the edge" },
    );
    // Last, a bad scan of scanner-2's: its dead letter comes back to it, after everything above went by.
    await scanner2.publishAsync(deviceTopic("DEMO", "scanner-2", "scan"), "not json", { qos: 1 });
    await eventually(
      () => seen.size,
      (n) => n >= 1,
      { what: "scanner-2's dead letter" },
    );
    expect([...seen]).toEqual(["tally/v1/DEMO/dead-letter/scanner-2"]);
    expect(edge.metrics().messagesReceived).toBe(3);
    expect(edge.metrics().observations).toBe(2);
  });
});
