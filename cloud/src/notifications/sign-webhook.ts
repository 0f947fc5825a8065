import { createHmac, timingSafeEqual } from "node:crypto";
import { ErrorCode } from "@tally/protocols";

/** The header that carries a delivery's signature: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = "Tally-Signature";

/** How far a signed timestamp may be from the receiver's clock by default, s (five minutes, as Stripe's scheme). */
export const DEFAULT_SIGNATURE_TOLERANCE_S = 300;

/** HMAC-SHA256 of `${timestamp}.${body}` with the webhook's secret, as lower-case hex. */
function signatureOf(timestamp: number, body: string, secret: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
}

/**
 * The `Tally-Signature` value for `body` sent at `nowMs`. The timestamp is
 * inside the signed text, so a receiver that checks it against its clock
 * refuses an old message replayed later.
 */
export function signWebhook(body: string, secret: string, nowMs: number): string {
  const timestamp = Math.floor(nowMs / 1000);
  return `t=${timestamp},v1=${signatureOf(timestamp, body, secret)}`;
}

export type SignatureCheck =
  | { ok: true; timestamp: number }
  | {
      ok: false;
      code:
        | typeof ErrorCode.WebhookSignatureMalformed
        | typeof ErrorCode.WebhookSignatureStale
        | typeof ErrorCode.WebhookSignatureMismatch;
      reason: string;
    };

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * What a receiver runs on each delivery: the header must be well formed,
 * its timestamp within `toleranceS` of `nowMs` (either way: a clock ahead
 * is as suspect as a replay), and one of its `v1` signatures must match
 * the raw body (compared in constant time). Several `v1` are accepted so a
 * secret can be rotated without a gap. Dedupe within the window on the
 * `Tally-Delivery-Id` header: the signature alone does not stop a replay
 * inside it.
 */
export function verifyWebhookSignature(
  header: string | undefined,
  body: string,
  secret: string,
  nowMs: number,
  toleranceS = DEFAULT_SIGNATURE_TOLERANCE_S,
): SignatureCheck {
  if (header === undefined || header.length === 0 || header.length > 4096) {
    return { ok: false, code: ErrorCode.WebhookSignatureMalformed, reason: `no ${SIGNATURE_HEADER} header` };
  }
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (eq < 0) {
      return { ok: false, code: ErrorCode.WebhookSignatureMalformed, reason: `"${part.trim()}" is not key=value` };
    }
    if (key === "t") {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) {
        return { ok: false, code: ErrorCode.WebhookSignatureMalformed, reason: "t must be one unix time in seconds" };
      }
      timestamp = Number(value);
    } else if (key === "v1") {
      if (!HEX_SHA256.test(value)) {
        return { ok: false, code: ErrorCode.WebhookSignatureMalformed, reason: "v1 must be 64 lower-case hex digits" };
      }
      signatures.push(value);
    }
    // Other keys (a future scheme) are ignored, so receivers keep working when one is added.
  }
  if (timestamp === undefined || signatures.length === 0) {
    return { ok: false, code: ErrorCode.WebhookSignatureMalformed, reason: "the header needs t= and at least one v1=" };
  }
  const skewS = Math.abs(nowMs / 1000 - timestamp);
  if (skewS > toleranceS) {
    return {
      ok: false,
      code: ErrorCode.WebhookSignatureStale,
      reason: `signed ${Math.round(skewS)} s from now, beyond the tolerance of ${toleranceS} s`,
    };
  }
  const expected = Buffer.from(signatureOf(timestamp, body, secret), "hex");
  const matches = signatures.some((s) => timingSafeEqual(Buffer.from(s, "hex"), expected));
  if (!matches) {
    return { ok: false, code: ErrorCode.WebhookSignatureMismatch, reason: "no v1 signature matches the body" };
  }
  return { ok: true, timestamp };
}
