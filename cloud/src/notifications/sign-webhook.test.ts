import { ErrorCode } from "@tally/protocols";
import { describe, expect, it } from "vitest";
import { EVENT_T0 as T0 } from "../testing/alert-events.js";
import { signWebhook, verifyWebhookSignature } from "./sign-webhook.js";

describe("signWebhook / verifyWebhookSignature", () => {
  const secret = "whsec_test_secret_0123456789";
  const body = '{"siteId":"S1","kind":"TEMPERATURE_EXCURSION","events":[]}';

  it("accepts what it signed, within the tolerance either way", () => {
    const header = signWebhook(body, secret, T0);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(header, body, secret, T0)).toEqual({ ok: true, timestamp: T0 / 1000 });
    expect(verifyWebhookSignature(header, body, secret, T0 + 299_000).ok).toBe(true);
    expect(verifyWebhookSignature(header, body, secret, T0 - 299_000).ok).toBe(true);
  });

  it("refuses a replay outside the window, and a timestamp from the future", () => {
    const header = signWebhook(body, secret, T0);
    const late = verifyWebhookSignature(header, body, secret, T0 + 301_000);
    expect(late).toMatchObject({ ok: false, code: ErrorCode.WebhookSignatureStale });
    const early = verifyWebhookSignature(header, body, secret, T0 - 301_000);
    expect(early).toMatchObject({ ok: false, code: ErrorCode.WebhookSignatureStale });
    expect(verifyWebhookSignature(header, body, secret, T0 + 60_000, 30)).toMatchObject({ ok: false });
  });

  it("refuses another body, another secret, and a timestamp changed after signing", () => {
    const header = signWebhook(body, secret, T0);
    const mismatch = { ok: false, code: ErrorCode.WebhookSignatureMismatch };
    expect(verifyWebhookSignature(header, `${body} `, secret, T0)).toMatchObject(mismatch);
    expect(verifyWebhookSignature(header, body, "another-secret-0123456789", T0)).toMatchObject(mismatch);
    const moved = header.replace(/^t=(\d+)/, (_m, t: string) => `t=${Number(t) + 1}`);
    expect(verifyWebhookSignature(moved, body, secret, T0)).toMatchObject(mismatch);
  });

  it("accepts any of several v1 signatures (a secret being rotated)", () => {
    const header = signWebhook(body, secret, T0);
    const other = signWebhook(body, "old-secret-0123456789", T0).split(",")[1];
    expect(verifyWebhookSignature(`${header},${other}`, body, secret, T0).ok).toBe(true);
    expect(verifyWebhookSignature(`${header},${other}`, body, "old-secret-0123456789", T0).ok).toBe(true);
  });

  it.each([
    [undefined],
    [""],
    ["v1=abc"],
    ["t=123"],
    [`t=abc,v1=${"0".repeat(64)}`],
    [`t=1,t=2,v1=${"0".repeat(64)}`],
    [`t=1,v1=${"0".repeat(63)}`],
    [`t=1,v1=${"Z".repeat(64)}`],
    ["garbage"],
  ])("calls %j malformed", (header) => {
    expect(verifyWebhookSignature(header, body, secret, T0)).toMatchObject({
      ok: false,
      code: ErrorCode.WebhookSignatureMalformed,
    });
  });
});
