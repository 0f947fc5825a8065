/**
 * Partition tables of the GS1 EPC Tag Data Standard 2.x, §14.5. The 3-bit
 * partition value says how the bits after it are split between the GS1
 * company prefix and the next field; it is derived from the company prefix
 * length (6–12 digits). Partition 7 is undefined in every table.
 */

/** One row of a partition table: widths in bits and lengths in decimal digits. */
export interface PartitionRow {
  /** The 3-bit partition value (0–6). */
  readonly partition: number;
  /** Bits holding the GS1 company prefix. */
  readonly companyPrefixBits: number;
  /** Decimal digits of the GS1 company prefix (6–12). */
  readonly companyPrefixDigits: number;
  /** Bits holding the field after the company prefix. */
  readonly referenceBits: number;
  /**
   * Decimal digits of that field (zero-padded to exactly this length), or for
   * GIAI-96, whose reference is an unpadded integer, the most digits it can have.
   */
  readonly referenceDigits: number;
}

type Row = readonly [
  companyPrefixBits: number,
  companyPrefixDigits: number,
  referenceBits: number,
  referenceDigits: number,
];

const table = (rows: readonly Row[]): readonly PartitionRow[] =>
  rows.map(([companyPrefixBits, companyPrefixDigits, referenceBits, referenceDigits], partition) => ({
    partition,
    companyPrefixBits,
    companyPrefixDigits,
    referenceBits,
    referenceDigits,
  }));

/** TDS 2.x §14.5.1, Table 14-2: SGTIN (indicator digit + item reference; 44 bits, 13 digits with the prefix). */
export const SGTIN_PARTITIONS = table([
  [40, 12, 4, 1],
  [37, 11, 7, 2],
  [34, 10, 10, 3],
  [30, 9, 14, 4],
  [27, 8, 17, 5],
  [24, 7, 20, 6],
  [20, 6, 24, 7],
]);

/** TDS 2.x §14.5.2: SSCC (extension digit + serial reference; 58 bits, 17 digits with the prefix). */
export const SSCC_PARTITIONS = table([
  [40, 12, 18, 5],
  [37, 11, 21, 6],
  [34, 10, 24, 7],
  [30, 9, 28, 8],
  [27, 8, 31, 9],
  [24, 7, 34, 10],
  [20, 6, 38, 11],
]);

/** TDS 2.x §14.5.3: SGLN (location reference; 41 bits, 12 digits with the prefix). */
export const SGLN_PARTITIONS = table([
  [40, 12, 1, 0],
  [37, 11, 4, 1],
  [34, 10, 7, 2],
  [30, 9, 11, 3],
  [27, 8, 14, 4],
  [24, 7, 17, 5],
  [20, 6, 21, 6],
]);

/** TDS 2.x §14.5.4: GRAI (asset type; 44 bits, 12 digits with the prefix). */
export const GRAI_PARTITIONS = table([
  [40, 12, 4, 0],
  [37, 11, 7, 1],
  [34, 10, 10, 2],
  [30, 9, 14, 3],
  [27, 8, 17, 4],
  [24, 7, 20, 5],
  [20, 6, 24, 6],
]);

/**
 * TDS 2.x §14.5.5: GIAI-96 (individual asset reference; 82 bits with the
 * prefix). The reference is an integer below 2^bits, so the digit column is a maximum.
 */
export const GIAI96_PARTITIONS = table([
  [40, 12, 42, 13],
  [37, 11, 45, 14],
  [34, 10, 48, 15],
  [30, 9, 52, 16],
  [27, 8, 55, 17],
  [24, 7, 58, 18],
  [20, 6, 62, 19],
]);

/**
 * TDS 2.x §14.5.5: GIAI-202 (individual asset reference as a 7-bit string;
 * 188 bits with the prefix). The digit column is the most characters the
 * reference may have (30 minus the prefix digits, GS1 AI 8004), fewer than
 * the bits would hold.
 */
export const GIAI202_PARTITIONS = table([
  [40, 12, 148, 18],
  [37, 11, 151, 19],
  [34, 10, 154, 20],
  [30, 9, 158, 21],
  [27, 8, 161, 22],
  [24, 7, 164, 23],
  [20, 6, 168, 24],
]);

/**
 * TDS 2.x §14.5: GSRN and GSRNP (service reference; 58 bits, 17 digits with
 * the prefix): the same widths as SSCC, kept as its own table so each
 * scheme names the table it follows.
 */
export const GSRN_PARTITIONS = table([
  [40, 12, 18, 5],
  [37, 11, 21, 6],
  [34, 10, 24, 7],
  [30, 9, 28, 8],
  [27, 8, 31, 9],
  [24, 7, 34, 10],
  [20, 6, 38, 11],
]);

/** TDS 2.x §14.5: GDTI (document type; 41 bits, 12 digits with the prefix): the same widths as SGLN. */
export const GDTI_PARTITIONS = table([
  [40, 12, 1, 0],
  [37, 11, 4, 1],
  [34, 10, 7, 2],
  [30, 9, 11, 3],
  [27, 8, 14, 4],
  [24, 7, 17, 5],
  [20, 6, 21, 6],
]);

/** TDS 2.x §14.5: SGCN (coupon reference; 41 bits, 12 digits with the prefix): the same widths as SGLN. */
export const SGCN_PARTITIONS = GDTI_PARTITIONS;

/**
 * TDS 2.x §14.5: CPI-96 (component / part reference, an unpadded integer;
 * 51 bits with the prefix). The digit column is the most digits it may have.
 */
export const CPI96_PARTITIONS = table([
  [40, 12, 11, 3],
  [37, 11, 14, 4],
  [34, 10, 17, 5],
  [30, 9, 21, 6],
  [27, 8, 24, 7],
  [24, 7, 27, 8],
  [20, 6, 31, 9],
]);

/**
 * TDS 2.x §14.5: CPI-var (component / part reference as a 6-bit string
 * ended by a zero character). Reference bits are the most it may take,
 * terminator included; the digit column is the most characters (30 − prefix digits).
 */
export const CPIVAR_PARTITIONS = table([
  [40, 12, 114, 18],
  [37, 11, 120, 19],
  [34, 10, 126, 20],
  [30, 9, 132, 21],
  [27, 8, 138, 22],
  [24, 7, 144, 23],
  [20, 6, 150, 24],
]);

/** The row for a decoded partition value, or undefined for 7. */
export function partitionByValue(rows: readonly PartitionRow[], partition: number): PartitionRow | undefined {
  return rows[partition];
}

/** The row for a company prefix of `digits` digits, or undefined outside 6–12. */
export function partitionByCompanyPrefix(rows: readonly PartitionRow[], digits: number): PartitionRow | undefined {
  return rows.find((row) => row.companyPrefixDigits === digits);
}
