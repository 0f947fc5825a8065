import { mkdtemp, readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deviceTopic } from "@tally/protocols";
import { afterEach, describe, expect, it } from "vitest";
import { makeTestPki } from "../support/certificates.js";
import { connectPacket } from "./support/raw-mqtt.js";
import {
  connectOutcome,
  publishOutcome,
  receiptScan,
  type SecureEdge,
  startSecureEdge,
} from "./support/secure-edge.js";

describe("TLS on the edge's device broker", () => {
  let secure: SecureEdge | undefined;
  afterEach(async () => {
    await secure?.close();
    secure = undefined;
  });

  it("encrypts password logins, and a plain connection gets nowhere", async () => {
    const started = await edgeWithTlsIn();
    secure = started.secure;
    const { pki } = started;
    expect(secure.edge.deviceMqttUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    const ca = await readFile(pki.caCert);
    const scanner = await secure.connect("scanner-1", { ca });
    expect(await publishOutcome(scanner, deviceTopic("DEMO", "scanner-1", "scan"), receiptScan())).toBe("acked");
    // A client speaking plain MQTT gets no CONNACK: the server drops it at the TLS handshake.
    const port = Number(new URL(secure.edge.deviceMqttUrl).port);
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    const answers: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => answers.push(chunk));
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    socket.write(connectPacket("plain", { username: "scanner-1", password: "scanner-1-password" }));
    await closed;
    expect(Buffer.concat(answers)[0]).not.toBe(0x20);
  });

  it("takes the device's identity from its client certificate when a CA is set", async () => {
    const started = await edgeWithTlsIn({ clientCertificates: true });
    secure = started.secure;
    const { pki } = started;
    const ca = await readFile(pki.caCert);
    const scanner1 = await pki.client("scanner-1");
    const tlsAs = async (files: { cert: string; key: string }) => ({
      ca,
      cert: await readFile(files.cert),
      key: await readFile(files.key),
    });
    // No username, no password: the certificate says who it is.
    const device = await secure.connect(undefined, await tlsAs(scanner1));
    expect(await publishOutcome(device, deviceTopic("DEMO", "scanner-1", "scan"), receiptScan())).toBe("acked");
    const again = await secure.connect(undefined, await tlsAs(scanner1));
    expect(await publishOutcome(again, deviceTopic("DEMO", "scanner-2", "scan"), receiptScan())).toBe("closed");
    // A certificate for a device the site file does not have, or one claiming another username, is refused.
    const url = secure.edge.deviceMqttUrl;
    expect(await connectOutcome(url, { clientId: "ghost", ...(await tlsAs(await pki.client("ghost"))) })).toBe(5);
    expect(
      await connectOutcome(url, { clientId: "liar", username: "scanner-2", password: "x", ...(await tlsAs(scanner1)) }),
    ).toBe(4);
    // Without a certificate the handshake fails.
    await expect(connectOutcome(url, { clientId: "nocert", ca })).rejects.toBeDefined();
    expect(secure.edge.metrics().mqttRefused).toMatchObject({
      "publish-other-device": 1,
      "unknown-device": 1,
      "bad-credentials": 2,
    });
  });

  /** A PKI in a folder of its own, then an edge with its server certificate (and its CA for client certificates). */
  async function edgeWithTlsIn(options: { clientCertificates?: boolean } = {}) {
    const dir = await mkdtemp(join(tmpdir(), "tally-pki-"));
    const pki = await makeTestPki(dir);
    const started = await startSecureEdge({
      embedded: {
        tls: {
          certFile: pki.serverCert,
          keyFile: pki.serverKey,
          ...(options.clientCertificates === true ? { caFile: pki.caCert } : {}),
        },
      },
    });
    const close = started.close;
    started.close = async () => {
      await close();
      await rm(dir, { recursive: true, force: true });
    };
    return { secure: started, pki };
  }
});
