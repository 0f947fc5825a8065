/**
 * BigInt bit reader and writer for EPC binary encodings. TDS 2.x §14.1: an
 * EPC binary encoding is a bit string, most significant bit first; fields
 * are unsigned integers laid out back to back.
 */

/** `2^width - 1` for the field widths of the EPC schemes, made once: `read` runs several times per EPC. */
const MASKS: bigint[] = [];

function maskOf(width: number): bigint {
  let mask = MASKS[width];
  if (mask === undefined) {
    mask = (1n << BigInt(width)) - 1n;
    if (width <= 512) MASKS[width] = mask;
  }
  return mask;
}

/** Reads unsigned fields, most significant bit first, from a bit string of known length. */
export class BitReader {
  readonly #value: bigint;
  readonly #length: number;
  #offset = 0;

  /** `value` holds `length` bits; bit 0 of the EPC is the most significant. */
  constructor(value: bigint, length: number) {
    this.#value = value;
    this.#length = length;
  }

  /** A reader over `hex` (already checked to be hexadecimal), 4 bits per digit. */
  static fromHex(hex: string): BitReader {
    return new BitReader(hex.length === 0 ? 0n : BigInt(`0x${hex}`), hex.length * 4);
  }

  /** Bits not yet read. */
  get remaining(): number {
    return this.#length - this.#offset;
  }

  /**
   * The next `width` bits as an unsigned integer. Reading past the end yields
   * zero bits for the missing part: callers check the EPC length first.
   */
  read(width: number): bigint {
    const shift = this.#length - this.#offset - width;
    this.#offset += width;
    const mask = maskOf(width);
    return shift >= 0 ? (this.#value >> BigInt(shift)) & mask : (this.#value << BigInt(-shift)) & mask;
  }
}

/** Appends unsigned fields, most significant bit first, and renders them as upper-case hex. */
export class BitWriter {
  #value = 0n;
  #length = 0;

  /** Bits written so far. */
  get length(): number {
    return this.#length;
  }

  /** Appends the low `width` bits of `value` (callers range-check first; extra high bits are dropped). */
  write(value: bigint, width: number): this {
    this.#value = (this.#value << BigInt(width)) | (value & ((1n << BigInt(width)) - 1n));
    this.#length += width;
    return this;
  }

  /**
   * Upper-case hex of the bits written, padded on the right with zero bits to
   * `totalBits` (a multiple of 4, at least {@link length}).
   */
  toHex(totalBits: number): string {
    const padded = this.#value << BigInt(Math.max(0, totalBits - this.#length));
    return padded
      .toString(16)
      .toUpperCase()
      .padStart(totalBits / 4, "0");
  }
}
