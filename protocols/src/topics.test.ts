import { describe, expect, it } from "vitest";
import {
  ackTopic,
  deadLetterTopic,
  deviceSubscription,
  deviceTopic,
  parseDeviceTopic,
  parseUplinkBatchTopic,
  uplinkBatchTopic,
} from "./topics.js";

describe("topics", () => {
  it("builds and parses device topics", () => {
    const topic = deviceTopic("DEMO", "portal-d1", "read");
    expect(topic).toBe("tally/v1/DEMO/dev/portal-d1/read");
    expect(parseDeviceTopic(topic)).toEqual({ siteId: "DEMO", deviceId: "portal-d1", channel: "read" });
    expect(deviceSubscription("DEMO")).toBe("tally/v1/DEMO/dev/#");
  });

  it.each([
    "tally/v1/DEMO/dev/portal-d1/unknown",
    "tally/v1/DEMO/dev/portal-d1",
    "tally/v1/DEMO/dev/portal-d1/read/extra",
    "tally/v2/DEMO/dev/portal-d1/read",
    "tally/v1/DEMO/xxx/portal-d1/read",
    "tally/v1/DE MO/dev/portal-d1/read",
    "",
  ])("refuses %j", (topic) => {
    expect(parseDeviceTopic(topic)).toBeUndefined();
  });

  it("refuses ids that would break the topic tree", () => {
    expect(() => deviceTopic("DEMO", "a/b", "read")).toThrow(RangeError);
    expect(() => deviceTopic("DEMO", "+", "read")).toThrow(RangeError);
    expect(deadLetterTopic("DEMO", "#")).toBe("tally/v1/DEMO/dead-letter/_");
  });

  it("builds and parses the uplink topics", () => {
    expect(uplinkBatchTopic("DEMO", "edge-1")).toBe("tally/v1/DEMO/edge/edge-1/batch");
    expect(ackTopic("DEMO", "edge-1")).toBe("tally/v1/DEMO/edge/edge-1/ack");
    expect(parseUplinkBatchTopic("tally/v1/DEMO/edge/edge-1/batch")).toEqual({ siteId: "DEMO", edgeId: "edge-1" });
    expect(parseUplinkBatchTopic("tally/v1/DEMO/edge/edge-1/ack")).toBeUndefined();
  });
});
