import { createHash } from "node:crypto";

/**
 * A UUID derived from a name (RFC 9562 version 8, from SHA-256): the same
 * name always gives the same id. Used for what the cloud makes from
 * something that already has an identity (a reversal of a movement, a
 * task's adjustment, an EPCIS event's movements), so retrying it is a
 * duplicate, never a second movement.
 */
export function derivedId(name: string): string {
  const hex = createHash("sha256").update(name).digest("hex");
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
