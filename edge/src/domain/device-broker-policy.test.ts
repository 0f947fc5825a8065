import { describe, expect, it } from "vitest";
import { deviceBrokerPolicy, isLoopback } from "./device-broker-policy.js";

const broker = { host: "127.0.0.1", tls: false, clientCertificates: false, credentialsFile: false };

describe("deviceBrokerPolicy", () => {
  it("knows the loopback", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"]) expect(isLoopback(host)).toBe(true);
    for (const host of ["0.0.0.0", "::", "10.0.0.5", "edge.local", "128.0.0.1"]) expect(isLoopback(host)).toBe(false);
  });

  it("lets anonymous devices in during development on the loopback", () => {
    expect(deviceBrokerPolicy({ mode: "development", insecure: false, embedded: broker })).toEqual({
      anonymous: true,
      problems: [],
    });
  });

  it("refuses production without credentials, naming the variable to set", () => {
    const policy = deviceBrokerPolicy({ mode: "production", insecure: false, embedded: broker });
    expect(policy.anonymous).toBe(false);
    expect(policy.problems).toHaveLength(1);
    expect(policy.problems[0]?.fix).toMatch(/TALLY_DEVICE_CREDENTIALS_FILE/);
  });

  it("refuses a broker beyond the loopback without TLS, each problem with its fix", () => {
    const policy = deviceBrokerPolicy({
      mode: "production",
      insecure: false,
      embedded: { ...broker, host: "0.0.0.0" },
    });
    expect(policy.problems.map((p) => p.fix)).toEqual([
      expect.stringMatching(/TALLY_DEVICE_CREDENTIALS_FILE/),
      expect.stringMatching(/TALLY_EDGE_MQTT_TLS_CERT/),
    ]);
  });

  it("accepts production with credentials, and with TLS beyond the loopback", () => {
    const secure = { ...broker, host: "0.0.0.0", tls: true, credentialsFile: true };
    expect(deviceBrokerPolicy({ mode: "production", insecure: false, embedded: secure })).toEqual({
      anonymous: false,
      problems: [],
    });
    const certificates = { ...broker, host: "0.0.0.0", tls: true, clientCertificates: true };
    expect(deviceBrokerPolicy({ mode: "production", insecure: false, embedded: certificates }).problems).toEqual([]);
  });

  it("keeps development to the loopback", () => {
    const policy = deviceBrokerPolicy({
      mode: "development",
      insecure: false,
      embedded: { ...broker, host: "0.0.0.0" },
    });
    expect(policy.problems[0]?.fix).toMatch(/TALLY_MODE=production/);
  });

  it("with insecure, still lists the problems (for the warning) and lets anonymous devices in", () => {
    const policy = deviceBrokerPolicy({ mode: "production", insecure: true, embedded: broker });
    expect(policy.anonymous).toBe(true);
    expect(policy.problems).toHaveLength(1);
    // Insecure never turns a credentials file off.
    expect(
      deviceBrokerPolicy({ mode: "production", insecure: true, embedded: { ...broker, credentialsFile: true } })
        .anonymous,
    ).toBe(false);
  });

  it("has nothing to say about an external broker", () => {
    expect(deviceBrokerPolicy({ mode: "production", insecure: false })).toEqual({ anonymous: false, problems: [] });
  });
});
