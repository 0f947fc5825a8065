import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * API tokens are `tly_<id>_<secret>`: the id finds the stored token, the
 * secret (32 random bytes) is checked against its SHA-256 in constant time.
 * A slow password hash is not needed for a secret of 256 random bits: no
 * dictionary can reach it, and each request pays the check (see the
 * decision on credentials).
 */
const TOKEN = /^tly_([a-z0-9]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedToken {
  id: string;
  secret: string;
}

/** A new token id and secret, and the token text the holder keeps. */
export function newToken(): { id: string; secret: string; token: string } {
  const id = randomBytes(10).toString("hex").slice(0, 16);
  const secret = randomBytes(32).toString("base64url");
  return { id, secret, token: `tly_${id}_${secret}` };
}

/** Splits a token into id and secret; undefined when it is not one of ours. */
export function parseToken(text: string): ParsedToken | undefined {
  const match = TOKEN.exec(text);
  if (match === null) return undefined;
  const [, id, secret] = match;
  return id === undefined || secret === undefined ? undefined : { id, secret };
}

/** SHA-256 of a secret, hex: what the store keeps. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Whether `secret` hashes to `storedHash`, in time that does not depend on where they differ. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), "hex");
  const stored = Buffer.from(storedHash, "hex");
  return given.length === stored.length && timingSafeEqual(given, stored);
}
