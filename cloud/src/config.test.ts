import { describe, expect, it } from "vitest";
import { loadCloudConfig } from "./config.js";

describe("loadCloudConfig", () => {
  it("has defaults for everything: SQLite under .data and an embedded broker on 1884", () => {
    expect(loadCloudConfig({})).toEqual({
      host: "127.0.0.1",
      port: 8080,
      telemetryForwardThread: true,
      dataDir: ".data",
      mqtt: { embedded: { host: "127.0.0.1", port: 1884 } },
      logLevel: "info",
      bootstrapTokens: [],
      mode: "development",
      insecure: false,
      apiLimits: {},
    });
  });

  it("reads TALLY_HOLD_STOCK_AT_RISK as a switch, and refuses anything but true/false/1/0", () => {
    expect(loadCloudConfig({ TALLY_HOLD_STOCK_AT_RISK: "true" }).holdStockAtRisk).toBe(true);
    expect(loadCloudConfig({ TALLY_HOLD_STOCK_AT_RISK: "0" }).holdStockAtRisk).toBe(false);
    expect(loadCloudConfig({}).holdStockAtRisk).toBeUndefined();
    expect(() => loadCloudConfig({ TALLY_HOLD_STOCK_AT_RISK: "yes" })).toThrow(/TALLY_HOLD_STOCK_AT_RISK/);
  });

  it("reads TALLY_TELEMETRY_FORWARD_THREAD as a switch, and refuses anything but true/false/1/0", () => {
    expect(loadCloudConfig({ TALLY_TELEMETRY_FORWARD_THREAD: "1" }).telemetryForwardThread).toBe(true);
    expect(loadCloudConfig({ TALLY_TELEMETRY_FORWARD_THREAD: "false" }).telemetryForwardThread).toBe(false);
    expect(loadCloudConfig({}).telemetryForwardThread).toBe(true);
    expect(() => loadCloudConfig({ TALLY_TELEMETRY_FORWARD_THREAD: "on" })).toThrow(/TALLY_TELEMETRY_FORWARD_THREAD/);
  });

  it("reads TALLY_COUNT_AUTO_CORRECT_UNITS as a whole number of units, and refuses anything else", () => {
    expect(loadCloudConfig({ TALLY_COUNT_AUTO_CORRECT_UNITS: "2" }).countAutoCorrectUnits).toBe(2);
    expect(loadCloudConfig({}).countAutoCorrectUnits).toBeUndefined();
    expect(() => loadCloudConfig({ TALLY_COUNT_AUTO_CORRECT_UNITS: "-1" })).toThrow(/TALLY_COUNT_AUTO_CORRECT_UNITS/);
    expect(() => loadCloudConfig({ TALLY_COUNT_AUTO_CORRECT_UNITS: "1.5" })).toThrow(/TALLY_COUNT_AUTO_CORRECT_UNITS/);
  });

  it("reads every TALLY_* variable, treating empty ones as unset", () => {
    const config = loadCloudConfig({
      TALLY_HTTP_HOST: "0.0.0.0",
      TALLY_HTTP_PORT: "0",
      TALLY_DATA_DIR: "/var/lib/tally",
      TALLY_DATABASE_URL: "postgres://u:p@db:5432/tally",
      TALLY_INFLUX_URL: "http://influx:8086/tally",
      TALLY_CLOUD_MQTT_URL: "mqtt://broker:1883",
      TALLY_CLOUD_MQTT_PORT: "",
      TALLY_LOG_LEVEL: "warn",
      TALLY_API_TOKENS: "admin:s1-0123456789abcdef, supervisor@S1:s2-0123456789abcdef,edge@S1/e1:s3-0123456789abcdef",
      TALLY_API_RATE_MAX: "50",
      TALLY_API_AUTH_BLOCK_MS: "60000",
    });
    expect(config).toEqual({
      host: "0.0.0.0",
      port: 0,
      telemetryForwardThread: true,
      dataDir: "/var/lib/tally",
      databaseUrl: "postgres://u:p@db:5432/tally",
      influxUrl: "http://influx:8086/tally",
      mqtt: { url: "mqtt://broker:1883" },
      logLevel: "warn",
      bootstrapTokens: [
        { role: "admin", secret: "s1-0123456789abcdef" },
        { role: "supervisor", secret: "s2-0123456789abcdef", sites: ["S1"] },
        { role: "edge", secret: "s3-0123456789abcdef", sites: ["S1"], edgeId: "e1" },
      ],
      // Not a loopback host: production unless TALLY_MODE says otherwise.
      mode: "production",
      insecure: false,
      apiLimits: { rateMax: 50, authBlockMs: 60_000 },
    });
    expect(loadCloudConfig({ TALLY_HTTP_HOST: "0.0.0.0", TALLY_MODE: "development" }).mode).toBe("development");
    expect(loadCloudConfig({ TALLY_HTTP_HOST: "::1" }).mode).toBe("development");
  });

  it("refuses bad values with the variable's name", () => {
    expect(() => loadCloudConfig({ TALLY_HTTP_PORT: "http" })).toThrow(/TALLY_HTTP_PORT/);
    expect(() => loadCloudConfig({ TALLY_DATABASE_URL: "mysql://x" })).toThrow(/TALLY_DATABASE_URL/);
    expect(() => loadCloudConfig({ TALLY_CLOUD_MQTT_PORT: "70000" })).toThrow(/TALLY_CLOUD_MQTT_PORT/);
    expect(() => loadCloudConfig({ TALLY_API_TOKENS: "root:x" })).toThrow(/TALLY_API_TOKENS/);
    expect(() => loadCloudConfig({ TALLY_API_TOKENS: "admin:" })).toThrow(/TALLY_API_TOKENS/);
    expect(() => loadCloudConfig({ TALLY_MODE: "open" })).toThrow(/TALLY_MODE/);
    // InfluxDB's URL must name the database.
    expect(() => loadCloudConfig({ TALLY_INFLUX_URL: "http://influx:8086" })).toThrow(/TALLY_INFLUX_URL/);
    expect(() => loadCloudConfig({ TALLY_INFLUX_URL: "udp://influx:8089/tally" })).toThrow(/TALLY_INFLUX_URL/);
  });

  it("takes a shared subscription group only with an external broker", () => {
    const shared = loadCloudConfig({
      TALLY_CLOUD_MQTT_URL: "mqtt://broker:1883",
      TALLY_CLOUD_MQTT_SHARE_GROUP: "tally-cloud",
    });
    expect(shared.mqttShareGroup).toBe("tally-cloud");
    expect(() => loadCloudConfig({ TALLY_CLOUD_MQTT_SHARE_GROUP: "tally-cloud" })).toThrow(/external broker/);
    expect(() =>
      loadCloudConfig({ TALLY_CLOUD_MQTT_URL: "mqtt://b:1883", TALLY_CLOUD_MQTT_SHARE_GROUP: "a/b" }),
    ).toThrow(/TALLY_CLOUD_MQTT_SHARE_GROUP/);
  });

  it("reads the failpoint test hook, and refuses a malformed one", () => {
    expect(loadCloudConfig({ TALLY_FAILPOINT: "exit-after-commit:7" }).failpoint).toEqual({ exitAfterCommit: 7 });
    expect(() => loadCloudConfig({ TALLY_FAILPOINT: "exit-after-commit:0" })).toThrow(/TALLY_FAILPOINT/);
    expect(() => loadCloudConfig({ TALLY_FAILPOINT: "crash" })).toThrow(/exit-after-commit/);
  });

  it("reads task due times over the defaults, and names TALLY_TASK_DUE when it is bad", () => {
    const config = loadCloudConfig({ TALLY_TASK_DUE: "COUNT_MISMATCH=120,default=600" });
    expect(config.taskDue?.byType.COUNT_MISMATCH).toBe(120);
    expect(config.taskDue?.byType.WRONG_DOCK).toBe(30);
    expect(config.taskDue?.defaultMinutes).toBe(600);
    expect(() => loadCloudConfig({ TALLY_TASK_DUE: "COUNT_MISMATCH=soon" })).toThrow(/TALLY_TASK_DUE/);
    expect(() => loadCloudConfig({ TALLY_TASK_DUE: "NOT_A_TYPE=5" })).toThrow(/TALLY_TASK_DUE/);
  });
});
