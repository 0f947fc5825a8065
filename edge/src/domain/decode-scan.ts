import { type Device, ErrorCode, ok, type Rejection, type Result, rejected, type ScanMessage } from "@tally/protocols";
import type { ScanObservation } from "./observation.js";
import { readScanCode, type ScannedItem } from "./read-scan-code.js";
import { readScanLocation } from "./read-scan-location.js";
import type { SiteIndex } from "./site-index.js";

/** Most units one scan may count: the bound of `ScanMessage.qty`. */
const MAX_SCAN_QTY = 100_000;

/**
 * A parsed scan message → the scan observation, with its locations resolved
 * to site codes, or why it is refused (for the dead-letter topic). What each
 * action needs:
 *
 * - RECEIPT, PICK, COUNT, SHIP: `location`, else the scanner's own.
 * - PUTAWAY: `fromLocation`, and `location` (else the scanner's).
 * - RETURN: `location`, else the scanner's `returnsLocation`; never its own
 *   location, which is where it works, not where returned goods go.
 * - `fromLocation` on any other action is refused: a scan that says more
 *   than its action uses was meant as something else.
 *
 * Pure; never throws.
 */
export function decodeScan(
  site: SiteIndex,
  deviceId: string,
  device: Device,
  m: ScanMessage,
): Result<ScanObservation, Rejection> {
  const at = new Date(m.scannedAt);
  const own = "location" in device ? device.location : undefined;
  const returns = device.kind === "scanner" ? device.returnsLocation : undefined;
  if (m.fromLocation !== undefined && m.action !== "PUTAWAY") {
    return rejected(ErrorCode.ScanIncomplete, `a ${m.action} scan takes no fromLocation (only PUTAWAY does)`);
  }
  const scannedLocation = m.location ?? (m.action === "RETURN" ? returns : own);
  if (scannedLocation === undefined) {
    return rejected(
      ErrorCode.ScanIncomplete,
      m.action === "RETURN"
        ? `a RETURN scan needs a location: the scan names none and scanner ${deviceId} has no returnsLocation`
        : `a ${m.action} scan needs a location: the scan names none and device ${deviceId} has none`,
    );
  }
  const location = readScanLocation(site, scannedLocation, at);
  if (!location.ok) return location;
  let fromLocation: string | undefined;
  if (m.action === "PUTAWAY") {
    if (m.fromLocation === undefined) return rejected(ErrorCode.ScanIncomplete, "a PUTAWAY scan needs a fromLocation");
    const from = readScanLocation(site, m.fromLocation, at);
    if (!from.ok) return rejected(from.error.code, `fromLocation: ${from.error.reason}`);
    if (from.value === location.value) {
      return rejected(ErrorCode.ScanIncomplete, `a PUTAWAY scan from ${from.value} to itself moves nothing`);
    }
    fromLocation = from.value;
  }
  let item: ScannedItem = { gtin: m.gtin ?? "" };
  if (m.code !== undefined) {
    const read = readScanCode(m.code, at);
    if (!read.ok) return read;
    item = read.value;
  }
  const qty = item.count ?? m.qty;
  // A count the barcode carries (AI 30/37, up to 8 digits) gets the bounds of a scan's own qty: a 0 or a
  // 99,999,999 would become a movement the cloud refuses, far from the scan that caused it.
  if (qty < 1 || qty > MAX_SCAN_QTY) {
    return rejected(ErrorCode.BarcodeInvalid, `the barcode counts ${qty} units; a scan counts 1 to ${MAX_SCAN_QTY}`);
  }
  return ok({
    type: "scan",
    id: `${deviceId}/${m.scannedAt}`,
    deviceId,
    gtin: item.gtin,
    qty,
    action: m.action,
    location: location.value,
    fromLocation,
    lot: m.lot ?? item.lot,
    expiry: item.expiry,
    at: m.scannedAt,
    operatorId: m.operatorId,
  });
}
