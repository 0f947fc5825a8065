import { describe, expect, it } from "vitest";
import type { DeviceLink } from "../domain/device-link.js";
import { DeviceLinkTracker } from "./device-link-tracker.js";

describe("DeviceLinkTracker", () => {
  it("takes an authenticated client's device from its credentials, never from the topics it publishes on", () => {
    const links: DeviceLink[] = [];
    const tracker = new DeviceLinkTracker((l) => links.push(l));
    const client = {};
    tracker.ready(client, { kind: "device", deviceId: "portal-d1" });
    tracker.published(client, { kind: "device", deviceId: "portal-d1" }, "tally/v1/DEMO/dev/scanner-1/hb");
    tracker.gone(client);
    tracker.gone(client);
    expect(links).toEqual([
      { deviceId: "portal-d1", connection: "connection-1", state: "connected" },
      { deviceId: "portal-d1", connection: "connection-1", state: "disconnected" },
    ]);
  });

  it("links an anonymous client to the devices of its publishes, each once, and tells connections apart", () => {
    const links: DeviceLink[] = [];
    const tracker = new DeviceLinkTracker((l) => links.push(l));
    const first = {};
    const second = {};
    tracker.ready(first, { kind: "anonymous" });
    tracker.published(first, { kind: "anonymous" }, "not/a/device/topic");
    tracker.published(first, { kind: "anonymous" }, "tally/v1/DEMO/dev/portal-d1/read");
    tracker.published(first, { kind: "anonymous" }, "tally/v1/DEMO/dev/portal-d1/hb");
    tracker.published(second, { kind: "anonymous" }, "tally/v1/DEMO/dev/portal-d1/hb");
    tracker.gone(first);
    expect(links).toEqual([
      { deviceId: "portal-d1", connection: "connection-1", state: "connected" },
      { deviceId: "portal-d1", connection: "connection-2", state: "connected" },
      { deviceId: "portal-d1", connection: "connection-1", state: "disconnected" },
    ]);
  });
});
