import {
  ErrorCode,
  hasControlCharacter,
  LocationCode,
  ok,
  parseGs1,
  type Rejection,
  type Result,
  rejected,
  safeParseUntrusted,
} from "@tally/protocols";
import type { SiteIndex } from "./site-index.js";

/**
 * The site location a scanned location names: the site's own code
 * (`SITE/ZONE/BIN`) as it is, or a location label's GS1 data (bracketed,
 * raw after a symbology identifier or FNC1, a Digital Link URI) whose GLN
 * (AI 414, check digit checked by the parser) and extension (AI 254) the
 * site file gives to one location. A code or GLN the site file does not
 * know is LocationUnknown; anything else ScanLocationInvalid. Pure.
 */
export function readScanLocation(site: SiteIndex, scanned: string, referenceDate?: Date): Result<string, Rejection> {
  // A site code (three segments of letters, digits, '_', '.', '-') is never GS1 data: no brackets, no `]`
  // symbology identifier, no URI scheme, and a raw element string has no slashes. So it is tried first.
  if (safeParseUntrusted(LocationCode, scanned).success) {
    return site.hasLocation(scanned)
      ? ok(scanned)
      : rejected(ErrorCode.LocationUnknown, `location ${scanned} is not in the site file`);
  }
  const parsed = parseGs1(scanned, referenceDate ? { referenceDate } : undefined);
  if (!parsed.ok) {
    const problems = parsed.errors
      .slice(0, 3)
      .map((p) => `${p.code} at ${p.position}${p.ai ? ` (AI ${p.ai})` : ""}: ${p.message}`);
    return rejected(
      ErrorCode.ScanLocationInvalid,
      `location ${printable(scanned)} is neither a site location code nor valid GS1 data: ${problems.join("; ")}`,
    );
  }
  const elements = parsed.value.elements;
  const gln = elements.find((e) => e.ai === "414")?.raw;
  if (gln === undefined) {
    const ais = elements.map((e) => e.ai).join(", ");
    return rejected(
      ErrorCode.ScanLocationInvalid,
      `location barcode has no GLN (AI 414); it carries AIs ${ais}${elements.some((e) => e.ai === "01" || e.ai === "02") ? " (an item code, not a location)" : ""}`,
    );
  }
  const extension = elements.find((e) => e.ai === "254")?.raw;
  const code = site.locationByGln(gln, extension);
  if (code === undefined) {
    return rejected(
      ErrorCode.LocationUnknown,
      `GLN ${gln}${extension === undefined ? "" : ` extension ${extension}`} is on no location of the site file`,
    );
  }
  return ok(code);
}

/** The scanned text for a reason: control characters shown as `?`, at most 60 characters. */
function printable(text: string): string {
  let shown = "";
  for (const c of text) shown += hasControlCharacter(c) ? "?" : c;
  return shown.length > 60 ? `${shown.slice(0, 60)}…` : shown;
}
