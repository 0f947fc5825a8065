import type { TelemetryResult } from "./telemetry-store.js";

/**
 * A query's result as CSV (RFC 4180, header row, CRLF). Text cells that a
 * spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) are
 * prefixed with `'`: a device name is data, never a formula.
 */
export function telemetryCsv(result: TelemetryResult): string {
  const lines: string[] = [];
  if (result.window === "raw") {
    // Summary columns are empty for a plain reading; detail is 1 for an excursion-window reading.
    lines.push("at,siteId,deviceId,metric,unit,location,value,periodS,min,max,count,detail");
    for (const p of result.points) {
      lines.push(
        [
          p.at,
          text(p.siteId),
          text(p.deviceId),
          text(p.metric),
          text(p.unit),
          text(p.location ?? ""),
          num(p.value),
          p.periodS === undefined ? "" : num(p.periodS),
          p.min === undefined ? "" : num(p.min),
          p.max === undefined ? "" : num(p.max),
          p.count === undefined ? "" : num(p.count),
          p.detail === true ? "1" : "",
        ].join(","),
      );
    }
  } else {
    lines.push("start,siteId,deviceId,metric,unit,min,mean,max,count");
    for (const b of result.buckets) {
      lines.push(
        [
          b.start,
          text(b.siteId),
          text(b.deviceId),
          text(b.metric),
          text(b.unit),
          num(b.min),
          num(b.mean),
          num(b.max),
          String(b.count),
        ].join(","),
      );
    }
  }
  return `${lines.join("\r\n")}\r\n`;
}

function text(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function num(value: number): string {
  return String(value);
}
