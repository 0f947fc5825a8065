import { Condition } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { ShelfLinkWatch } from "./shelf-link-watch.js";
import { classifyShelfFailure, type ShelfRefusal } from "./shelf-refusal.js";

const config = { initialDelayMs: 500, maxDelayMs: 8000, raiseAfterMs: 10_000 };
const unreachable: ShelfRefusal = {
  code: "UNREACHABLE",
  reason: "connect ECONNREFUSED",
  fix: "start it",
  transient: true,
};
const badUser: ShelfRefusal = {
  code: "IDENTITY_REJECTED",
  reason: "BadIdentityTokenRejected",
  fix: "check the password",
  transient: false,
};
const watchAt = (startMs: number, random = () => 0.5) => {
  let n = 0;
  return new ShelfLinkWatch(
    "shelf-1",
    { siteId: "DEMO", newId: () => `00000000-0000-7000-8000-${String(++n).padStart(12, "0")}` },
    config,
    random,
    startMs,
  );
};

describe("ShelfLinkWatch", () => {
  it("backs off exponentially up to the cap, jittered in the upper half, and never gives up", () => {
    const low = watchAt(0, () => 0);
    const high = watchAt(0, () => 0.999_999);
    const lows = Array.from({ length: 8 }, (_, i) => low.refused(unreachable, i).delayMs);
    const highs = Array.from({ length: 8 }, (_, i) => high.refused(unreachable, i).delayMs);
    expect(lows).toEqual([250, 500, 1000, 2000, 4000, 4000, 4000, 4000]);
    expect(highs).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
    expect(low.refused(unreachable, 9).attempt).toBe(9);
  });

  it("resets the backoff once monitored", () => {
    const watch = watchAt(0);
    for (let i = 0; i < 5; i++) watch.refused(unreachable, i);
    watch.monitored(10);
    expect(watch.refused(unreachable, 20).delayMs).toBe(375);
  });

  it("warns once per distinct reason in an episode, then logs at debug, and warns again after a recovery", () => {
    const watch = watchAt(0);
    expect(watch.refused(unreachable, 0).log).toBe("warn");
    expect(watch.refused(unreachable, 1).log).toBe("debug");
    expect(watch.refused(badUser, 2).log).toBe("warn");
    expect(watch.refused(badUser, 3).log).toBe("debug");
    expect(watch.refused(unreachable, 4).log).toBe("debug");
    watch.monitored(5);
    expect(watch.refused(unreachable, 6).log).toBe("warn");
  });

  it("raises SHELF_UNREACHABLE for an unreachable shelf only after the grace, once, and clears it when monitored", () => {
    const watch = watchAt(1000);
    expect(watch.refused(unreachable, 1000).condition).toBeUndefined();
    expect(watch.refused(unreachable, 10_999).condition).toBeUndefined();
    const raised = watch.refused(unreachable, 11_000).condition;
    expect(Condition.parse(raised)).toMatchObject({
      conditionType: "SHELF_UNREACHABLE",
      state: "raised",
      key: "SHELF_UNREACHABLE:shelf-1",
      deviceId: "shelf-1",
      siteId: "DEMO",
      occurredAt: new Date(11_000).toISOString(),
    });
    expect(raised?.detail).toBe("shelf shelf-1 is not monitored (UNREACHABLE): connect ECONNREFUSED. Fix: start it");
    expect(watch.raised).toBe(true);
    expect(watch.refused(badUser, 12_000).condition).toBeUndefined();
    const cleared = watch.monitored(13_000);
    expect(cleared).toMatchObject({
      state: "cleared",
      key: "SHELF_UNREACHABLE:shelf-1",
      detail: "shelf shelf-1 is monitored again",
    });
    expect(watch.monitored(14_000)).toBeUndefined();
  });

  it("raises at once when the server answers and refuses", () => {
    const watch = watchAt(0);
    expect(watch.refused(badUser, 1).condition).toMatchObject({
      state: "raised",
      detail: expect.stringContaining("check the password"),
    });
  });

  it("starts the grace again when a working link is lost", () => {
    const watch = watchAt(0);
    watch.monitored(100);
    watch.lost(50_000);
    expect(watch.refused({ ...unreachable, code: "CONNECTION_LOST" }, 50_001).condition).toBeUndefined();
    expect(watch.refused(unreachable, 60_000).condition?.state).toBe("raised");
  });

  it("keeps a long library message within the condition's bound", () => {
    const watch = watchAt(0);
    const long = watch.refused({ ...badUser, reason: "x".repeat(5000) }, 0).condition;
    expect(() => Condition.parse(long)).not.toThrow();
  });
});

describe("classifyShelfFailure", () => {
  const pki = { pkiDir: "/data/pki" };
  it("names the refusal from the OPC-UA status in node-opcua's message, with a fix", () => {
    expect(classifyShelfFailure("connect", "connect ECONNREFUSED 127.0.0.1:4840", pki)).toMatchObject({
      code: "UNREACHABLE",
      transient: true,
    });
    expect(
      classifyShelfFailure(
        "connect",
        "server Certificate verification failed with err BadCertificateUntrusted (0x801a0000)",
        pki,
      ),
    ).toMatchObject({ code: "SERVER_CERTIFICATE_UNTRUSTED", fix: expect.stringContaining("/data/pki/rejected") });
    expect(
      classifyShelfFailure("connect", "Cannot find an Endpoint matching  security mode: SignAndEncrypt policy: x", pki)
        .code,
    ).toBe("ENDPOINT_MISSING");
    expect(
      classifyShelfFailure(
        "connect",
        "The connection has been rejected by server: BadSecurityChecksFailed (0x80130000)",
        pki,
      ).code,
    ).toBe("SECURITY_REJECTED");
    expect(classifyShelfFailure("session", "Error: BadIdentityTokenRejected (0x80210000)", pki)).toMatchObject({
      code: "IDENTITY_REJECTED",
      transient: false,
    });
    expect(classifyShelfFailure("session", "BadUserAccessDenied", pki).code).toBe("IDENTITY_REJECTED");
    expect(classifyShelfFailure("session", "BadTooManySessions", pki).code).toBe("SESSION_FAILED");
    expect(classifyShelfFailure("lost", "socket closed", pki)).toMatchObject({
      code: "CONNECTION_LOST",
      transient: true,
    });
    expect(classifyShelfFailure("connect", "outer (in findEndpoint) \n (err =inner)", pki).reason).toBe(
      "outer (in findEndpoint) (err =inner)",
    );
  });
});
