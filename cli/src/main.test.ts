import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runTally } from "./testing/run-tally.js";

const tally = (...args: string[]) => runTally({}, ...args);
const tallyWith = runTally;

describe("tally CLI", () => {
  it("lists its commands", async () => {
    const { code, stdout } = await tally("--help");
    expect(code).toBe(0);
    for (const command of ["up", "edge", "cloud", "sim", "device", "epc", "gs1", "bench"])
      expect(stdout).toMatch(new RegExp(`^\\s+${command}\\b`, "m"));
  });

  it("refuses an unknown scenario with a JSON error on stdout and status 1", async () => {
    const { code, stdout } = await tally("sim", "run", "no-such-scenario");
    expect(code).toBe(1);
    const lines = stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toEqual({
      error: {
        code: "TALLY_ERR_SCENARIO_INVALID",
        message: expect.stringContaining("unknown scenario 'no-such-scenario'"),
      },
    });
  });

  it("refuses an invalid site file with the site layout code", async () => {
    const { code, stdout } = await tally("edge", "--site", fileURLToPath(new URL("../package.json", import.meta.url)));
    expect(code).toBe(1);
    expect(JSON.parse(stdout.trim())).toMatchObject({ error: { code: "TALLY_ERR_SITE_LAYOUT_INVALID" } });
  });

  it("decodes EPCs, one JSON line per input, and exits 1 when one is refused", async () => {
    const { code, stdout } = await tally("epc", "decode", "3074257BF7194E4000001A85", "not-hex");
    expect(code).toBe(1);
    const [good, bad] = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(good).toMatchObject({
      input: "3074257BF7194E4000001A85",
      scheme: "sgtin-96",
      gtin: "80614141123458",
      serial: "6789",
      pureIdentityUri: "urn:epc:id:sgtin:0614141.812345.6789",
      tagUri: "urn:epc:tag:sgtin-96:3.0614141.812345.6789",
    });
    expect(bad).toMatchObject({ input: "not-hex", error: { code: "TALLY_ERR_EPC_NOT_HEX" } });
  });

  it("refuses an e2e bench window that is not a positive whole number before it starts anything", async () => {
    for (const window of ["0", "2.5"]) {
      const { code, stdout } = await tally("bench", "e2e", "--json", "--window", window);
      expect(code).toBe(1);
      expect(JSON.parse(stdout.trim())).toEqual({
        error: { code: "TALLY_ERR_USAGE", message: `--window must be a positive whole number, got ${window}` },
      });
    }
  });

  it("refuses an edge metrics URL that is not http(s) before it plays anything", async () => {
    for (const url of ["localhost:9464", "mqtt://127.0.0.1:9464/metrics"]) {
      const { code, stdout } = await tally(
        "sim",
        "run",
        "demo",
        "--api-url",
        "http://127.0.0.1:1",
        "--edge-metrics-url",
        url,
      );
      expect(code).toBe(1);
      expect(JSON.parse(stdout.trim())).toEqual({
        error: {
          code: "TALLY_ERR_USAGE",
          message: `--edge-metrics-url must be an http:// or https:// URL, got ${url}`,
        },
      });
    }
  });

  it("refuses an edge metrics URL it cannot read, naming why, before it plays anything", async () => {
    const server = createServer((_req, res) => res.writeHead(404).end("not here"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const notFound = `http://127.0.0.1:${port}/metrics`;
    const play = () => tally("sim", "run", "demo", "--api-url", "http://127.0.0.1:9", "--edge-metrics-url", notFound);
    const missing = await play();
    await new Promise((resolve) => server.close(resolve));
    // The same port once nothing listens there.
    const refused = await play();
    for (const [run, message] of [
      [missing, `--edge-metrics-url: GET ${notFound}: 404`],
      [refused, `--edge-metrics-url: cannot read ${notFound}: ECONNREFUSED`],
    ] as const) {
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout.trim())).toEqual({ error: { code: "TALLY_ERR_USAGE", message } });
    }
  });

  it("encodes EPC URIs to hex", async () => {
    const { code, stdout } = await tally("epc", "encode", "urn:epc:tag:sscc-96:3.0614141.1234567890");
    expect(code).toBe(0);
    expect(JSON.parse(stdout.trim())).toEqual({
      input: "urn:epc:tag:sscc-96:3.0614141.1234567890",
      hex: "3174257BF4499602D2000000",
    });
  });

  it("parses GS1 data in raw form with <GS>, and lists every problem of a bad one", async () => {
    const { code, stdout } = await tally(
      "gs1",
      "parse",
      "]d201095060001343521012<GS>17201225",
      "(01)09506000134353(17)200231",
      "--reference-date",
      "2026-01-01",
    );
    expect(code).toBe(1);
    const [good, bad] = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(good).toMatchObject({
      symbologyIdentifier: "]d2",
      elements: [
        { ai: "01", value: "09506000134352" },
        { ai: "10", value: "12" },
        { ai: "17", value: "2020-12-25" },
      ],
    });
    expect(bad.errors.map((e: { code: string }) => e.code)).toEqual([
      "TALLY_ERR_GS1_CHECK_DIGIT",
      "TALLY_ERR_GS1_DATE",
    ]);
  });

  it("exits 1 on an unknown command", async () => {
    const { code, stderr } = await tally("frobnicate");
    expect(code).toBe(1);
    expect(stderr).toContain("unknown command");
  });

  it("makes a device credential: the password once with its hash, and the hash in the credentials file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tally-cli-credential-"));
    try {
      const file = join(dir, "devices.yaml");
      const { code, stdout } = await tally("device", "credential", "scanner-1", "--file", file);
      expect(code).toBe(0);
      const printed = JSON.parse(stdout.trim()) as { deviceId: string; password: string; hash: string };
      expect(printed).toMatchObject({
        deviceId: "scanner-1",
        hash: expect.stringMatching(/^scrypt\$N=16384,r=8,p=1\$/),
      });
      const { readDeviceCredentialsFile, verifyPassword } = await import("@tally/edge/security");
      const saved = await readDeviceCredentialsFile(file);
      expect(saved.devices["scanner-1"]).toBe(printed.hash);
      expect(await verifyPassword(printed.password, saved.devices["scanner-1"])).toBe(true);
      // A second device is added; a new credential for the first replaces its hash.
      await tally("device", "credential", "portal-d1", "--file", file);
      const again = JSON.parse((await tally("device", "credential", "scanner-1", "--file", file)).stdout.trim());
      const after = await readDeviceCredentialsFile(file);
      expect(Object.keys(after.devices).sort()).toEqual(["portal-d1", "scanner-1"]);
      expect(after.devices["scanner-1"]).toBe(again.hash);
      expect(await verifyPassword(printed.password, after.devices["scanner-1"])).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses to start an edge in production with its device broker open, naming what to set", async () => {
    const site = fileURLToPath(new URL("../../simulators/scenarios/demo-site.yaml", import.meta.url));
    const { code, stdout } = await tallyWith({ TALLY_MODE: "production" }, "edge", "--site", site);
    expect(code).toBe(1);
    expect(JSON.parse(stdout.trim())).toEqual({
      error: {
        code: "TALLY_ERR_EDGE_INSECURE",
        message: expect.stringMatching(/TALLY_DEVICE_CREDENTIALS_FILE.*--insecure/),
      },
    });
  });

  it("refuses to start a cloud bound beyond the loopback without TLS, naming each problem and its fix", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tally-cli-cloud-"));
    try {
      const { code, stdout } = await tallyWith(
        { TALLY_HTTP_HOST: "0.0.0.0", TALLY_CLOUD_MQTT_HOST: "0.0.0.0", TALLY_HTTP_PORT: "0", TALLY_DATA_DIR: dir },
        "cloud",
      );
      expect(code).toBe(1);
      const { error } = JSON.parse(stdout.trim()) as { error: { code: string; message: string } };
      expect(error.code).toBe("TALLY_ERR_INSECURE_CONFIG");
      expect(error.message).toMatch(/\(1\) the HTTP API listens on 0\.0\.0\.0 without TLS.*TALLY_HTTP_TLS_CERT/);
      expect(error.message).toMatch(/\(2\) the cloud's MQTT broker .*TALLY_CLOUD_MQTT_TLS_CERT/);
      expect(error.message).toMatch(/--insecure/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("prints a Mosquitto acl_file for a site", async () => {
    const site = fileURLToPath(new URL("../../simulators/scenarios/demo-site.yaml", import.meta.url));
    const { code, stdout } = await tally("device", "mosquitto-acl", "--site", site, "--edge-user", "edge-1");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^user edge-1\ntopic read tally\/v1\/DEMO\/dev\/#$/m);
    expect(stdout).toMatch(/^user scanner-1\ntopic write tally\/v1\/DEMO\/dev\/scanner-1\/scan$/m);
  });
});
