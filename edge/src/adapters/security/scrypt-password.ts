import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { formatPasswordHash, parsePasswordHash, SCRYPT_DEFAULTS, SCRYPT_MAX_MEMORY_BYTES } from "@tally/protocols";

/**
 * The async scrypt of node:crypto: it runs on libuv's thread pool, so a
 * check (about 50 ms at the defaults) never blocks the event loop.
 */
function derive(password: Buffer, salt: Buffer, keyBytes: number, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyBytes, { N, r, p, maxmem: 2 * SCRYPT_MAX_MEMORY_BYTES }, (error, key) =>
      error === null ? resolve(key) : reject(error),
    );
  });
}

/** A new random device password: 24 random bytes, base64url (32 characters). */
export function newDevicePassword(): string {
  return randomBytes(24).toString("base64url");
}

/** Hashes a password with a fresh salt, as a self-describing `scrypt$…` string. */
export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, saltBytes, keyBytes } = SCRYPT_DEFAULTS;
  const salt = randomBytes(saltBytes);
  const key = await derive(Buffer.from(password, "utf8"), salt, keyBytes, N, r, p);
  return formatPasswordHash({ N, r, p, salt, key });
}

/** A hash no password matches, for checks against a device that has none (same cost, so timing tells nothing). */
const DECOY = formatPasswordHash({
  ...SCRYPT_DEFAULTS,
  salt: randomBytes(SCRYPT_DEFAULTS.saltBytes),
  key: randomBytes(SCRYPT_DEFAULTS.keyBytes),
});

/**
 * Whether `password` matches `hashText`; compares in constant time. Without a
 * hash (unknown device) it spends the same work on a decoy and answers false.
 */
export async function verifyPassword(password: Buffer | string, hashText: string | undefined): Promise<boolean> {
  const hash = parsePasswordHash(hashText ?? DECOY) ?? parsePasswordHash(DECOY);
  if (hash === undefined) return false;
  const given = typeof password === "string" ? Buffer.from(password, "utf8") : password;
  const key = await derive(given, hash.salt, hash.key.length, hash.N, hash.r, hash.p);
  return hashText !== undefined && key.length === hash.key.length && timingSafeEqual(key, hash.key);
}
