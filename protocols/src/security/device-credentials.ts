import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { describeIssues } from "../device-messages.js";
import { ErrorCode, ok, type Rejection, type Result, rejected } from "../errors.js";
import { safeParseUntrusted } from "../safe-parse.js";

/**
 * A password hash that names its own parameters:
 * `scrypt$N=<cost>,r=<block size>,p=<parallelism>$<salt, base64>$<key, base64>`.
 * Old hashes stay verifiable after the defaults change.
 */
export interface PasswordHash {
  /** scrypt CPU/memory cost, a power of two. */
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

const HASH = /^scrypt\$N=(\d{1,8}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]{16,}={0,2})\$([A-Za-z0-9+/]{22,}={0,2})$/;

/** The scrypt parameters new hashes get: RFC 7914 §2's interactive figures (N=2^14, r=8: 16 MiB, ~50 ms). */
export const SCRYPT_DEFAULTS = { N: 16_384, r: 8, p: 1, saltBytes: 16, keyBytes: 32 } as const;

/** Bounds that keep a hostile credentials file from making one check take seconds or gigabytes. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;
/** scrypt needs 128 × N × r bytes (RFC 7914 §2); more than this is refused. */
export const SCRYPT_MAX_MEMORY_BYTES = 64 * 1024 * 1024;

/** Parses a `scrypt$…` hash string; undefined when it is not one or its parameters are out of bounds. */
export function parsePasswordHash(text: string): PasswordHash | undefined {
  const match = HASH.exec(text);
  if (match === null) return undefined;
  const [, n, r, p, salt, key] = match;
  const hash = {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt ?? "", "base64"),
    key: Buffer.from(key ?? "", "base64"),
  };
  const powerOfTwo = hash.N > 1 && (hash.N & (hash.N - 1)) === 0;
  if (!powerOfTwo || hash.N > MAX_N || hash.r < 1 || hash.r > MAX_R || hash.p < 1 || hash.p > MAX_P) return undefined;
  if (128 * hash.N * hash.r > SCRYPT_MAX_MEMORY_BYTES) return undefined;
  if (hash.salt.length < 8 || hash.key.length < 16) return undefined;
  return hash;
}

/** Writes a hash in the `scrypt$…` form `parsePasswordHash` reads. */
export function formatPasswordHash(hash: PasswordHash): string {
  return `scrypt$N=${hash.N},r=${hash.r},p=${hash.p}$${hash.salt.toString("base64")}$${hash.key.toString("base64")}`;
}

const DeviceId = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "a device id: letters, digits, _ . - (1–64)");
const HashText = z.string().refine((s) => parsePasswordHash(s) !== undefined, {
  message: "expected a hash made by `tally device credential` (scrypt$N=…,r=…,p=…$salt$key)",
});

/**
 * The device credentials file (YAML or JSON): each device id with the hash
 * of its MQTT password. The MQTT username is the device id.
 */
export const DeviceCredentialsFile = z
  .object({
    devices: z.record(DeviceId, HashText).default({}),
  })
  .strict();
export type DeviceCredentialsFile = z.infer<typeof DeviceCredentialsFile>;

/** Parses a device credentials file's text (YAML or JSON) and validates it. Never throws. */
export function parseDeviceCredentialsText(text: string): Result<DeviceCredentialsFile, Rejection> {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (cause) {
    return rejected(
      ErrorCode.DeviceCredentialsInvalid,
      `credentials file is not valid YAML/JSON: ${(cause as Error).message}`,
    );
  }
  const parsed = safeParseUntrusted(DeviceCredentialsFile, doc ?? {});
  if (!parsed.success) {
    return rejected(ErrorCode.DeviceCredentialsInvalid, `credentials file: ${describeIssues(parsed.error, 10)}`);
  }
  return ok(parsed.data);
}
