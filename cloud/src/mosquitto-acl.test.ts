import { describe, expect, it } from "vitest";
import { mosquittoAclForEdges } from "./mosquitto-acl.js";

describe("mosquittoAclForEdges", () => {
  it("lets the cloud read batches and write acks, and each edge only its own two topics", () => {
    const acl = mosquittoAclForEdges([
      { siteId: "S2", edgeId: "edge-b" },
      { siteId: "S1", edgeId: "edge-a" },
    ]);
    expect(acl.split("\n").filter((l) => l !== "" && !l.startsWith("#"))).toEqual([
      "user tally-cloud",
      "topic read tally/v1/+/edge/+/batch",
      "topic write tally/v1/+/edge/+/ack",
      "user edge-a",
      "topic write tally/v1/S1/edge/edge-a/batch",
      "topic read tally/v1/S1/edge/edge-a/ack",
      "user edge-b",
      "topic write tally/v1/S2/edge/edge-b/batch",
      "topic read tally/v1/S2/edge/edge-b/ack",
    ]);
  });

  it("refuses one edge id at two sites: its user name would cover both", () => {
    expect(() =>
      mosquittoAclForEdges([
        { siteId: "S1", edgeId: "e" },
        { siteId: "S2", edgeId: "e" },
      ]),
    ).toThrow(/used at two sites/);
  });
});
