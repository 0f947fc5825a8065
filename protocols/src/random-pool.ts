/** Bytes drawn from the CSPRNG at a time (Web Crypto's most per call): one call serves 4,096 ids. */
const POOL_BYTES = 16 * 4096;
let pool = new Uint8Array(0);
let offset = 0;

/**
 * 16 random bytes for an id (a UUIDv7's random part), cut from a pool the
 * operating system's CSPRNG fills in bulk: asking it for 16 bytes per id cost
 * more than the rest of making the id. The bytes are as random as the
 * pool's; each call returns a fresh copy, never shared with a later call.
 */
export function randomIdBytes(): Uint8Array {
  if (offset + 16 > pool.length) {
    pool = new Uint8Array(POOL_BYTES);
    // Web Crypto, in Node and in browsers alike: the protocols package stays free of Node's modules.
    globalThis.crypto.getRandomValues(pool);
    offset = 0;
  }
  const bytes = pool.slice(offset, offset + 16);
  offset += 16;
  return bytes;
}

/** What a UUIDv7 is made of: its time, a sequence within that millisecond, and random bytes. */
export interface TimeOrderedIdParts {
  msecs: number;
  seq: number;
  random: Uint8Array;
}

let lastMsecs = Number.NEGATIVE_INFINITY;
let lastSeq = 0;

/**
 * The parts of the next UUIDv7 (give them to `uuid`'s `v7`), with random
 * bytes from the pool: ids made in one millisecond keep the order they were
 * made in (the sequence starts at a random value each millisecond and counts
 * up, RFC 9562 §6.2 method 1), as `v7()` without options does.
 */
export function timeOrderedIdParts(now: number = Date.now()): TimeOrderedIdParts {
  const random = randomIdBytes();
  if (now > lastMsecs) {
    lastMsecs = now;
    // 31 bits of the random bytes, as uuid seeds its own sequence.
    lastSeq = (((random[6] ?? 0) & 0x7f) << 24) | ((random[7] ?? 0) << 16) | ((random[8] ?? 0) << 8) | (random[9] ?? 0);
  } else {
    lastSeq = (lastSeq + 1) | 0;
    // Past 2^31 ids in one millisecond (or the clock going back): borrow the next millisecond.
    if (lastSeq === 0) lastMsecs++;
  }
  return { msecs: lastMsecs, seq: lastSeq, random };
}
