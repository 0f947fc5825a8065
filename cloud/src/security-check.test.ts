import { describe, expect, it } from "vitest";
import { loadCloudConfig } from "./config.js";
import { cloudSecurityProblems } from "./security-check.js";

describe("the cloud's security check", () => {
  it("finds nothing on the loopback, where development mode is the default", () => {
    const config = loadCloudConfig({});
    expect(config.mode).toBe("development");
    expect(cloudSecurityProblems(config)).toEqual([]);
  });

  it("defaults to production beyond the loopback and names every missing protection with its fix", () => {
    const config = loadCloudConfig({ TALLY_HTTP_HOST: "0.0.0.0", TALLY_CLOUD_MQTT_HOST: "0.0.0.0" });
    expect(config.mode).toBe("production");
    const problems = cloudSecurityProblems(config);
    expect(problems.map((p) => p.fix)).toEqual([
      "set TALLY_HTTP_TLS_CERT and TALLY_HTTP_TLS_KEY (PEM files)",
      "set TALLY_CLOUD_MQTT_TLS_CERT and TALLY_CLOUD_MQTT_TLS_KEY (PEM files)",
    ]);
  });

  it("refuses development mode off the loopback", () => {
    const config = loadCloudConfig({
      TALLY_MODE: "development",
      TALLY_HTTP_HOST: "10.0.0.5",
      TALLY_HTTP_TLS_CERT: "c.pem",
      TALLY_HTTP_TLS_KEY: "k.pem",
    });
    expect(cloudSecurityProblems(config).map((p) => p.problem)).toEqual([
      "development mode (open reads) on an address other machines can reach",
    ]);
  });

  it("wants credentials and TLS toward InfluxDB on another machine", () => {
    const clear = loadCloudConfig({ TALLY_INFLUX_URL: "http://influx.example:8086/tally" });
    expect(cloudSecurityProblems(clear).map((p) => p.fix)).toEqual([
      "use an https:// TALLY_INFLUX_URL",
      "put a user and password in TALLY_INFLUX_URL (https://user:password@host:8086/tally) and enable auth on InfluxDB",
    ]);
    const secure = loadCloudConfig({ TALLY_INFLUX_URL: "https://tally:secret@influx.example:8086/tally" });
    expect(cloudSecurityProblems(secure)).toEqual([]);
    const local = loadCloudConfig({ TALLY_INFLUX_URL: "http://127.0.0.1:8086/tally" });
    expect(cloudSecurityProblems(local)).toEqual([]);
  });

  it("wants credentials and TLS toward an external broker", () => {
    const clear = loadCloudConfig({ TALLY_CLOUD_MQTT_URL: "mqtt://broker.example:1883" });
    expect(cloudSecurityProblems(clear).map((p) => p.fix)).toEqual([
      "set TALLY_CLOUD_MQTT_USERNAME and TALLY_CLOUD_MQTT_PASSWORD, and allow_anonymous false on the broker",
      "use an mqtts:// (or wss://) TALLY_CLOUD_MQTT_URL, with TALLY_CLOUD_MQTT_CA when its CA is private",
    ]);
    const secure = loadCloudConfig({
      TALLY_CLOUD_MQTT_URL: "mqtts://broker.example:8883",
      TALLY_CLOUD_MQTT_USERNAME: "tally-cloud",
      TALLY_CLOUD_MQTT_PASSWORD: "pw",
    });
    expect(cloudSecurityProblems(secure)).toEqual([]);
    // A broker on this machine, in development: a test bench, not a problem; in production it is one.
    const local = loadCloudConfig({ TALLY_CLOUD_MQTT_URL: "mqtt://127.0.0.1:1883" });
    expect(local.mode).toBe("development");
    expect(cloudSecurityProblems(local)).toEqual([]);
    expect(cloudSecurityProblems({ ...local, mode: "production" }).map((p) => p.fix)).toEqual([
      "set TALLY_CLOUD_MQTT_USERNAME and TALLY_CLOUD_MQTT_PASSWORD, and allow_anonymous false on the broker",
    ]);
    expect(() => loadCloudConfig({ TALLY_CLOUD_MQTT_USERNAME: "x" })).toThrow(/go together/);
    expect(() => loadCloudConfig({ TALLY_HTTP_TLS_CERT: "x" })).toThrow(/go together/);
  });
});
