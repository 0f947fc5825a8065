/**
 * Pieces every GS1 EPC binary scheme of TDS 2.x §14.5 shares: after the
 * 8-bit header, a 3-bit filter value and a 3-bit partition value.
 */
import type { BitReader } from "../bits.js";
import { EpcErrorCode, type EpcResult, epcFail, epcOk, preview } from "../errors.js";
import { type PartitionRow, partitionByCompanyPrefix, partitionByValue } from "../partition-tables.js";

/** Filter value (TDS §10: 3 bits, 0–7) and the partition row read after the header. */
export interface FilterAndPartition {
  filter: number;
  row: PartitionRow;
}

/** Reads the filter and partition fields; partition 7 is `TALLY_ERR_EPC_PARTITION`. */
export function readFilterAndPartition(
  reader: BitReader,
  rows: readonly PartitionRow[],
  scheme: string,
): EpcResult<FilterAndPartition> {
  const filter = Number(reader.read(3));
  const partition = Number(reader.read(3));
  const row = partitionByValue(rows, partition);
  if (row === undefined) return epcFail(EpcErrorCode.Partition, `partition ${partition} is not defined for ${scheme}`);
  return epcOk({ filter, row });
}

/** The partition row for a company prefix; not 6–12 digits is `TALLY_ERR_EPC_PARTITION`. */
export function rowForCompanyPrefix(
  rows: readonly PartitionRow[],
  companyPrefix: string,
  scheme: string,
): EpcResult<PartitionRow> {
  if (!/^[0-9]*$/.test(companyPrefix)) {
    return epcFail(EpcErrorCode.Range, `company prefix must be decimal digits, got ${preview(companyPrefix)}`);
  }
  const row = partitionByCompanyPrefix(rows, companyPrefix.length);
  if (row === undefined) {
    return epcFail(
      EpcErrorCode.Partition,
      `no ${scheme} partition for a ${companyPrefix.length}-digit company prefix (6–12 digits)`,
    );
  }
  return epcOk(row);
}

/** Checks a filter value: an integer 0–7 (TDS §10), else `TALLY_ERR_EPC_RANGE`. */
export function checkFilter(filter: number): EpcResult<number> {
  return Number.isInteger(filter) && filter >= 0 && filter <= 7
    ? epcOk(filter)
    : epcFail(EpcErrorCode.Range, `filter must be an integer 0–7, got ${String(filter)}`);
}
