import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Writable } from "node:stream";
import { type RunningCloud, startCloud } from "@tally/cloud";
import {
  type EdgeOptions,
  listOpcuaCertificates,
  prepareOpcuaClientPki,
  type RunningEdge,
  startEdge,
  trustOpcuaCertificate,
} from "@tally/edge";
import type { OpcuaShelfSecurity, ShelfDevice, SiteLayout } from "@tally/protocols";
import { type OpcuaShelf, type OpcuaShelfServerOptions, startOpcuaShelf } from "@tally/simulators";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { demoSiteOnPort } from "../support/demo-site.js";
import { eventually } from "../support/eventually.js";
import { freePort } from "../support/free-port.js";
import { linkEdge } from "../support/link-edge.js";
import { testLogger } from "../support/quiet-logger.js";

const quiet = testLogger();
const USER = "tally-edge";
const PASSWORD = "correct horse battery staple";
const SECURE: OpcuaShelfSecurity = {
  mode: "SignAndEncrypt",
  policy: "Basic256Sha256",
  identity: { type: "userName", userName: USER, passwordEnv: "SHELF_1_PASSWORD" },
};
const A1 = "DEMO/PICK/A1";

/** JSON log lines the edge wrote, for asserting what an operator reads. */
function capturingLogger() {
  const lines: { level: number; msg: string; code?: string; fix?: string; reason?: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), lines };
}

describe("OPC-UA shelf security", () => {
  let root: string;
  /** Shared by every test so key pairs are made once: the edge's client PKI and the shelf server's PKI. */
  let edgePki: string;
  let serverPki: string;
  const stops: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "tally-opcua-security-"));
    edgePki = join(root, "edge-pki");
    serverPki = join(root, "server-pki");
    // The server trusts the edge's certificate (and only known ones): copied into its trusted folder.
    const pki = await prepareOpcuaClientPki(edgePki, { edgeId: "edge-sec", trustOnFirstUse: false, logger: quiet });
    await mkdir(join(serverPki, "trusted", "certs"), { recursive: true });
    await copyFile(pki.certificateFile, join(serverPki, "trusted", "certs", "tally-edge.pem"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  /** Empties the edge's trusted and rejected folders: each test says what the edge trusts. */
  const forgetServerCertificates = async () => {
    for (const folder of [join(edgePki, "trusted", "certs"), join(edgePki, "rejected")]) {
      await rm(folder, { recursive: true, force: true });
      await mkdir(folder, { recursive: true });
    }
  };
  const trustServer = async (shelf: OpcuaShelf) => {
    const file = join(root, "server-certificate.der");
    await writeFile(file, shelf.certificate());
    await trustOpcuaCertificate(edgePki, file);
  };
  const siteWith = async (port: number, security: OpcuaShelfSecurity | undefined): Promise<SiteLayout> => {
    const site = await demoSiteOnPort(port);
    return {
      ...site,
      devices: site.devices.map((d) => (d.kind === "shelf" && security !== undefined ? { ...d, security } : d)),
    };
  };
  const shelfOf = (site: SiteLayout): ShelfDevice => {
    const shelf = site.devices.find((d): d is ShelfDevice => d.kind === "shelf");
    if (shelf === undefined) throw new Error("the demo site has no shelf");
    return shelf;
  };
  const startServer = async (site: SiteLayout, options: OpcuaShelfServerOptions = {}): Promise<OpcuaShelf> => {
    const server = await startOpcuaShelf(shelfOf(site), quiet, {
      modes: ["SignAndEncrypt", "Sign"],
      policies: ["Basic256Sha256", "Aes256_Sha256_RsaPss"],
      users: { [USER]: PASSWORD },
      pkiDir: serverPki,
      trustUnknownClients: false,
      ...options,
    });
    // A test may close it first (a restart): closing twice is not an error here.
    stops.push(() => server.close().catch(() => undefined));
    return server;
  };
  const startCloudHere = async (): Promise<RunningCloud> => {
    const cloud = await startCloud({
      port: 0,
      dataDir: await mkdtemp(join(root, "cloud-")),
      mqtt: { embedded: { port: 0 } },
      logger: quiet,
    });
    stops.push(() => cloud.close());
    return cloud;
  };
  const startEdgeHere = async (
    site: SiteLayout,
    cloud: RunningCloud,
    extra: Partial<EdgeOptions> & { secretEnv?: Record<string, string> } = {},
  ): Promise<RunningEdge> => {
    const { secretEnv, ...rest } = extra;
    const edge = await startEdge({
      site,
      edgeId: "edge-sec",
      // No MQTT device in these tests: the device broker may stay without credentials in production mode.
      insecure: true,
      devices: { embedded: { port: 0 } },
      uplink: { httpUrl: cloud.url, token: await linkEdge(cloud, site, "edge-sec"), flushMs: 10, ackTimeoutMs: 500 },
      logger: quiet,
      opcua: {
        pkiDir: edgePki,
        secretEnv: secretEnv ?? { SHELF_1_PASSWORD: PASSWORD },
        link: { initialDelayMs: 100, maxDelayMs: 400 },
      },
      ...rest,
    });
    stops.push(() => edge.close());
    return edge;
  };
  const shelfAlerts = async (cloud: RunningCloud) =>
    (await cloud.store.alerts({})).filter((a) => a.kind === "SHELF_UNREACHABLE");
  /** Sets a bin's weight and waits until the edge has observed it (observations count up). */
  const weightFlows = async (edge: RunningEdge, shelf: OpcuaShelf, grams: number) => {
    const before = edge.metrics().observations;
    shelf.setGrams(A1, grams);
    await eventually(
      () => edge.metrics().observations,
      (n) => n > before,
      { what: `the weight ${grams} g at the edge`, timeoutMs: 10_000 },
    );
  };

  it("SignAndEncrypt, Basic256Sha256, user and password, trusted both ways: weights flow", async () => {
    await forgetServerCertificates();
    const site = await siteWith(await freePort(), SECURE);
    const shelf = await startServer(site);
    await trustServer(shelf);
    const cloud = await startCloudHere();
    const edge = await startEdgeHere(site, cloud);
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    await weightFlows(edge, shelf, 1000);
    await weightFlows(edge, shelf, 750);
    expect(edge.metrics().opcuaShelfRefusals).toBe(0);
    expect(await shelfAlerts(cloud)).toEqual([]);
  });

  it("Aes256_Sha256_RsaPss with Sign works too", async () => {
    await forgetServerCertificates();
    const site = await siteWith(await freePort(), { ...SECURE, mode: "Sign", policy: "Aes256_Sha256_RsaPss" });
    const shelf = await startServer(site);
    await trustServer(shelf);
    const edge = await startEdgeHere(site, await startCloudHere());
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    await weightFlows(edge, shelf, 500);
  });

  it("a wrong password is refused, retried with backoff and raised; the corrected password connects without a restart and clears it", async () => {
    await forgetServerCertificates();
    const passwordFile = join(root, "shelf-1.password");
    await writeFile(passwordFile, "wrong\n");
    const site = await siteWith(await freePort(), {
      ...SECURE,
      identity: { type: "userName", userName: USER, passwordFile },
    });
    const shelf = await startServer(site);
    await trustServer(shelf);
    const cloud = await startCloudHere();
    const { logger, lines } = capturingLogger();
    const edge = await startEdgeHere(site, cloud, { logger });

    const open = await eventually(
      () => shelfAlerts(cloud),
      (a) => a.some((x) => x.status === "open"),
      { what: "a SHELF_UNREACHABLE alert", timeoutMs: 15_000 },
    );
    expect(open[0]?.message).toMatch(/IDENTITY_REJECTED/);
    // Retried, and warned about once: later refusals for the same reason are at debug.
    await eventually(
      () => edge.metrics().opcuaShelfRefusals,
      (n) => n >= 3,
      { what: "three refusals" },
    );
    const refusals = lines.filter((l) => l.code === "IDENTITY_REJECTED");
    expect(refusals.filter((l) => l.level === 40)).toHaveLength(1);
    expect(refusals.filter((l) => l.level === 20).length).toBeGreaterThanOrEqual(2);
    expect(refusals[0]?.fix).toMatch(/passwordFile/);

    await writeFile(passwordFile, `${PASSWORD}\n`);
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    await weightFlows(edge, shelf, 250);
    await eventually(
      () => shelfAlerts(cloud),
      (a) => a.length === 1 && a[0]?.status === "cleared",
      { what: "the alert cleared", timeoutMs: 10_000 },
    );
  });

  it("a user the server does not know is refused until the server's user manager has it, then connects without a restart", async () => {
    await forgetServerCertificates();
    const site = await siteWith(await freePort(), SECURE);
    const shelf = await startServer(site, { users: { [USER]: "an old password" } });
    await trustServer(shelf);
    const edge = await startEdgeHere(site, await startCloudHere());
    await eventually(
      () => edge.metrics().opcuaShelfRefusals,
      (n) => n >= 2,
      { what: "refusals of the identity" },
    );
    shelf.setUser(USER, PASSWORD);
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    await weightFlows(edge, shelf, 500);
  });

  it("an untrusted server certificate is refused and kept in rejected/; once trusted with the CLI's function the edge connects", async () => {
    await forgetServerCertificates();
    const site = await siteWith(await freePort(), SECURE);
    const shelf = await startServer(site);
    const cloud = await startCloudHere();
    const edge = await startEdgeHere(site, cloud);

    const rejected = await eventually(
      () => listOpcuaCertificates(edgePki),
      (list) => list.some((e) => e.status === "rejected"),
      { what: "the server's certificate in rejected/", timeoutMs: 15_000 },
    );
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.subject).toMatch(/shelf|Tally|NodeOPCUA/i);
    await eventually(
      () => shelfAlerts(cloud),
      (a) => a.some((x) => x.status === "open" && /SERVER_CERTIFICATE_UNTRUSTED/.test(x.message)),
      { what: "an alert naming the untrusted certificate" },
    );
    expect(await edge.shelvesReady(200)).toEqual({ waiting: ["shelf-1"] });

    const thumbprint = rejected[0]?.thumbprint ?? "";
    const trusted = await trustOpcuaCertificate(edgePki, thumbprint.toUpperCase());
    expect(trusted).toMatchObject({ status: "trusted", thumbprint });
    expect(await readdir(join(edgePki, "rejected"))).toEqual([]);

    // Each attempt reads the folders afresh; an attempt that raced the move leaves a copy in rejected/, removed at the next.
    expect(await edge.shelvesReady(20_000)).toEqual({ waiting: [] });
    await weightFlows(edge, shelf, 1250);
    await eventually(
      () => shelfAlerts(cloud),
      (a) => a.every((x) => x.status === "cleared"),
      { what: "the alert cleared" },
    );
  }, 90_000);

  it("a certificate found in trusted/ and in rejected/ at once (a trust that raced an attempt) counts as trusted", async () => {
    await forgetServerCertificates();
    const site = await siteWith(await freePort(), SECURE);
    const shelf = await startServer(site);
    // What an attempt leaves behind when it read the folders while the trust moved the file: a copy in each.
    await trustServer(shelf);
    const [trusted] = await listOpcuaCertificates(edgePki);
    await copyFile(trusted?.file ?? "", join(edgePki, "rejected", basename(trusted?.file ?? "")));
    expect((await listOpcuaCertificates(edgePki)).map((e) => e.status)).toEqual(["trusted", "rejected"]);

    const edge = await startEdgeHere(site, await startCloudHere());
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    expect(await readdir(join(edgePki, "rejected"))).toEqual([]);
    await weightFlows(edge, shelf, 750);
  });

  it("production mode refuses security None and anonymous users, with a log line that says how to fix it and a condition", async () => {
    const cloud = await startCloudHere();
    const { logger, lines } = capturingLogger();
    // No server at all: the edge must not even try.
    await startEdgeHere(await siteWith(await freePort(), undefined), cloud, { logger });
    const alerts = await eventually(
      () => shelfAlerts(cloud),
      (a) => a.length === 1,
      { what: "a SHELF_UNREACHABLE alert" },
    );
    expect(alerts[0]).toMatchObject({ status: "open", dedupKey: "SHELF_UNREACHABLE:shelf-1" });
    expect(alerts[0]?.message).toMatch(/INSECURE.*security mode None.*development mode/);
    const refusal = lines.find((l) => l.code === "INSECURE");
    expect(refusal).toMatchObject({ level: 50, msg: "OPC-UA shelf refused: not connected" });
    expect(refusal?.fix).toMatch(/SignAndEncrypt/);

    const anonymous = capturingLogger();
    const site = await siteWith(await freePort(), {
      mode: "SignAndEncrypt",
      policy: "Basic256Sha256",
      identity: { type: "anonymous" },
    });
    const second = await startEdgeHere(site, await startCloudHere(), {
      logger: anonymous.logger,
      edgeId: "edge-sec-2",
    });
    await eventually(
      () => anonymous.lines.find((l) => l.code === "INSECURE"),
      (l) => l !== undefined,
      { what: "the refusal of an anonymous user" },
    );
    expect(anonymous.lines.find((l) => l.code === "INSECURE")?.reason).toMatch(/anonymous user/);
    expect(second.metrics().opcuaShelfRefusals).toBe(1);
  });

  it("development mode connects None/anonymous and says so", async () => {
    const site = await siteWith(await freePort(), undefined);
    const shelf = await startServer(site, { modes: ["None"], policies: ["None"], users: {}, allowAnonymous: true });
    const { logger, lines } = capturingLogger();
    const edge = await startEdgeHere(site, await startCloudHere(), { logger, mode: "development" });
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    await weightFlows(edge, shelf, 500);
    expect(lines.some((l) => l.level === 40 && /development mode/.test(l.msg))).toBe(true);
  });

  it("development mode trusts an unknown server certificate on first use", async () => {
    await forgetServerCertificates();
    const site = await siteWith(await freePort(), SECURE);
    const shelf = await startServer(site);
    const edge = await startEdgeHere(site, await startCloudHere(), { mode: "development" });
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    await weightFlows(edge, shelf, 500);
    const listed = await listOpcuaCertificates(edgePki);
    expect(listed.map((e) => e.status)).toEqual(["trusted"]);
  });

  it("re-subscribes after the server restarts", async () => {
    await forgetServerCertificates();
    const port = await freePort();
    const site = await siteWith(port, SECURE);
    const first = await startServer(site);
    await trustServer(first);
    const edge = await startEdgeHere(site, await startCloudHere());
    expect(await edge.shelvesReady(15_000)).toEqual({ waiting: [] });
    await weightFlows(edge, first, 1000);

    await first.close();
    await eventually(
      () => edge.metrics().opcuaShelfRefusals,
      (n) => n >= 1,
      { what: "the loss noticed" },
    );
    // Same port, same PKI, so the same certificate: the edge trusts it already.
    const second = await startServer(site);
    await weightFlows(edge, second, 1500);
  });
});
