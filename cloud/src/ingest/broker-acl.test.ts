import { describe, expect, it } from "vitest";
import type { Principal } from "../auth/principal.js";
import { CLOUD_INGEST_ID, mayPublish, maySubscribe } from "./broker-acl.js";

const edge1: Principal = { id: "t1", name: "dock", role: "edge", sites: ["S1"], edgeId: "edge-1" };
const ingest: Principal = { id: CLOUD_INGEST_ID, name: "cloud-ingest", role: "admin" };
const viewerS1: Principal = { id: "t2", name: "ann", role: "viewer", sites: ["S1"] };
const admin: Principal = { id: "t3", name: "root", role: "admin" };

describe("the cloud broker's ACL", () => {
  it("lets an edge publish its own batch topic only", () => {
    expect(mayPublish(edge1, "tally/v1/S1/edge/edge-1/batch")).toEqual({ allowed: true });
    expect(mayPublish(edge1, "tally/v1/S1/edge/edge-2/batch")).toMatchObject({
      allowed: false,
      refusal: "forged-batch",
    });
    expect(mayPublish(edge1, "tally/v1/S2/edge/edge-1/batch")).toMatchObject({
      allowed: false,
      refusal: "forged-batch",
    });
    expect(mayPublish(admin, "tally/v1/S1/edge/edge-1/batch")).toMatchObject({
      allowed: false,
      refusal: "forged-batch",
    });
  });

  it("lets only the cloud's ingest publish acknowledgements", () => {
    expect(mayPublish(ingest, "tally/v1/S1/edge/edge-1/ack")).toEqual({ allowed: true });
    for (const who of [edge1, admin, viewerS1]) {
      expect(mayPublish(who, "tally/v1/S1/edge/edge-1/ack")).toMatchObject({ allowed: false, refusal: "forged-ack" });
    }
  });

  it("refuses every other topic", () => {
    for (const topic of [
      "tally/v1/S1/dev/scanner-1/scan",
      "$SYS/broker/clients",
      "x",
      "tally/v1/S1/edge/edge-1/batch/x",
    ]) {
      expect(mayPublish(edge1, topic)).toMatchObject({ allowed: false, refusal: "topic-not-allowed" });
    }
  });

  it("lets an edge read its own acknowledgements and nothing else", () => {
    expect(maySubscribe(edge1, "tally/v1/S1/edge/edge-1/ack")).toEqual({ allowed: true });
    for (const filter of [
      "#",
      "$SYS/#",
      "tally/v1/+/edge/+/ack",
      "tally/v1/S1/edge/+/ack",
      "tally/v1/S1/edge/edge-2/ack",
      "tally/v1/+/edge/+/batch",
      "tally/v1/S1/edge/edge-1/batch",
      "tally/v1/S1/edge/edge-1/#",
    ]) {
      expect(maySubscribe(edge1, filter), filter).toMatchObject({ allowed: false });
    }
  });

  it("lets the ingest read batches, also as a shared subscription, and no acks", () => {
    expect(maySubscribe(ingest, "tally/v1/+/edge/+/batch")).toEqual({ allowed: true });
    expect(maySubscribe(ingest, "$share/cloud/tally/v1/+/edge/+/batch")).toEqual({ allowed: true });
    expect(maySubscribe(ingest, "#")).toMatchObject({ allowed: false });
  });

  it("lets people watch the batches and acknowledgements of their sites", () => {
    expect(maySubscribe(viewerS1, "tally/v1/S1/edge/+/ack")).toEqual({ allowed: true });
    expect(maySubscribe(viewerS1, "tally/v1/S2/edge/+/ack")).toMatchObject({ allowed: false });
    expect(maySubscribe(viewerS1, "tally/v1/+/edge/+/ack")).toMatchObject({ allowed: false });
    expect(maySubscribe(admin, "tally/v1/+/edge/+/ack")).toEqual({ allowed: true });
    expect(maySubscribe(admin, "tally/v1/+/edge/+/batch")).toEqual({ allowed: true });
    expect(maySubscribe(viewerS1, "tally/v1/S1/edge/+/batch")).toEqual({ allowed: true });
    expect(maySubscribe(viewerS1, "tally/v1/S2/edge/+/batch")).toMatchObject({ allowed: false });
    expect(maySubscribe(admin, "tally/v1/+/edge/#")).toMatchObject({ allowed: false });
    expect(maySubscribe(admin, "$SYS/#")).toMatchObject({ allowed: false });
  });
});
