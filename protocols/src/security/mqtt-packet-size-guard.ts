/** What a `MqttPacketSizeGuard` says about the bytes it has seen. */
export type PacketSizeVerdict =
  | { ok: true }
  /** A packet announced `announcedBytes` (fixed header included), more than the limit. */
  | { ok: false; reason: "too-large"; announcedBytes: number }
  /** The remaining-length field ran past its 4 bytes. */
  | { ok: false; reason: "malformed" };

const OK: PacketSizeVerdict = { ok: true };

/**
 * Follows the MQTT packet boundaries of one connection's byte stream, without
 * keeping any of it, and says as soon as a packet announces more bytes than
 * `maxPacketBytes`: the caller closes the connection before the broker has
 * buffered the body. Every packet starts with a fixed header: one byte of
 * type and flags, then the remaining length as a variable byte integer of 1
 * to 4 bytes, 7 bits each, least significant first, the high bit meaning
 * "more" (MQTT 3.1.1 §2.2.3, MQTT 5 §1.5.5 and §2.1.4); the body follows.
 * The limit counts the whole packet, as MQTT 5's Maximum Packet Size does
 * (§3.1.2.11.4). Pure and stateful: feed it the chunks in order.
 */
export class MqttPacketSizeGuard {
  private state: "type" | "length" | "body" = "type";
  private length = 0;
  private lengthBytes = 0;
  private bodyLeft = 0;
  private verdict: PacketSizeVerdict = OK;

  /** @param maxPacketBytes the largest packet allowed, bytes, fixed header included. */
  constructor(private readonly maxPacketBytes: number) {}

  /** Takes the next chunk of the stream; once refused, the verdict stays refused. */
  feed(chunk: Uint8Array): PacketSizeVerdict {
    let at = 0;
    while (this.verdict.ok && at < chunk.length) {
      if (this.state === "body") {
        const skip = Math.min(this.bodyLeft, chunk.length - at);
        this.bodyLeft -= skip;
        at += skip;
        if (this.bodyLeft === 0) this.state = "type";
        continue;
      }
      const byte = chunk[at] ?? 0;
      at++;
      if (this.state === "type") {
        this.state = "length";
        this.length = 0;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * 128 ** this.lengthBytes;
      this.lengthBytes++;
      if ((byte & 0x80) !== 0) {
        if (this.lengthBytes === 4) this.verdict = { ok: false, reason: "malformed" };
        continue;
      }
      const total = 1 + this.lengthBytes + this.length;
      if (total > this.maxPacketBytes) {
        this.verdict = { ok: false, reason: "too-large", announcedBytes: total };
        continue;
      }
      this.bodyLeft = this.length;
      this.state = this.length === 0 ? "type" : "body";
    }
    return this.verdict;
  }
}
