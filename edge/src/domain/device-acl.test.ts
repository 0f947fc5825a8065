import { describe, expect, it } from "vitest";
import { demoSite } from "../testing/demo-site.js";
import { DeviceAcl, type DeviceIdentity } from "./device-acl.js";

const acl = new DeviceAcl(demoSite());
const scanner: DeviceIdentity = { kind: "device", deviceId: "scanner-1" };
const anonymous: DeviceIdentity = { kind: "anonymous" };

describe("DeviceAcl", () => {
  it("lets a device publish on its own topics, on its kind's channels", () => {
    expect(acl.canPublish(scanner, "tally/v1/DEMO/dev/scanner-1/scan")).toEqual({ ok: true });
    expect(acl.canPublish(scanner, "tally/v1/DEMO/dev/scanner-1/hb")).toEqual({ ok: true });
    expect(acl.canPublish({ kind: "device", deviceId: "portal-d1" }, "tally/v1/DEMO/dev/portal-d1/read").ok).toBe(true);
  });

  it.each([
    ["another device's topic", "tally/v1/DEMO/dev/portal-d1/read", "publish-other-device"],
    ["another device's topic on its own channel", "tally/v1/DEMO/dev/scanner-2/scan", "publish-other-device"],
    ["a channel its kind does not use", "tally/v1/DEMO/dev/scanner-1/read", "publish-channel"],
    ["another site", "tally/v1/OTHER/dev/scanner-1/scan", "publish-topic"],
    ["the dead letters", "tally/v1/DEMO/dead-letter/scanner-1", "publish-topic"],
    ["the uplink", "tally/v1/DEMO/edge/edge-1/batch", "publish-topic"],
    ["$SYS", "$SYS/broker/clients", "publish-sys"],
  ])("refuses a device publishing on %s", (_what, topic, refusal) => {
    expect(acl.canPublish(scanner, topic)).toEqual({ ok: false, refusal });
  });

  it("lets an anonymous client publish for any device of the site file, and nothing else", () => {
    expect(acl.canPublish(anonymous, "tally/v1/DEMO/dev/scanner-1/scan").ok).toBe(true);
    expect(acl.canPublish(anonymous, "tally/v1/DEMO/dev/portal-d1/read").ok).toBe(true);
    expect(acl.canPublish(anonymous, "tally/v1/DEMO/dev/ghost/scan")).toEqual({
      ok: false,
      refusal: "publish-other-device",
    });
    expect(acl.canPublish(anonymous, "tally/v1/DEMO/edge/edge-1/ack").ok).toBe(false);
  });

  it("lets a device read only its own dead letters", () => {
    expect(acl.canSubscribe(scanner, "tally/v1/DEMO/dead-letter/scanner-1")).toEqual({ ok: true });
    for (const filter of [
      "#",
      "+/#",
      "tally/#",
      "tally/v1/DEMO/dev/#",
      "tally/v1/DEMO/dev/portal-d1/read",
      "tally/v1/DEMO/dead-letter/#",
      "tally/v1/DEMO/dead-letter/portal-d1",
    ]) {
      expect(acl.canSubscribe(scanner, filter)).toEqual({ ok: false, refusal: "subscribe-topic" });
    }
    expect(acl.canSubscribe(scanner, "$SYS/#")).toEqual({ ok: false, refusal: "subscribe-sys" });
  });

  it("lets an anonymous client read dead letters only", () => {
    expect(acl.canSubscribe(anonymous, "tally/v1/DEMO/dead-letter/#").ok).toBe(true);
    expect(acl.canSubscribe(anonymous, "tally/v1/DEMO/dead-letter/+").ok).toBe(true);
    expect(acl.canSubscribe(anonymous, "tally/v1/DEMO/dead-letter/scanner-1").ok).toBe(true);
    expect(acl.canSubscribe(anonymous, "#").ok).toBe(false);
    expect(acl.canSubscribe(anonymous, "tally/v1/DEMO/dead-letter/+/x").ok).toBe(false);
    expect(acl.canSubscribe(anonymous, "tally/v1/DEMO/dev/+/scan").ok).toBe(false);
    expect(acl.canSubscribe(anonymous, "$SYS/#")).toEqual({ ok: false, refusal: "subscribe-sys" });
  });
});
