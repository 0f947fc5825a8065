import { decodeEpc, encodeEpc, encodeSgtin96, parseDeviceMessage, parseGs1 } from "@tally/protocols";
import { type Benchmark, throughput, withBaseline } from "./bench-result.js";

function sampleEpcs(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const hex = encodeSgtin96({ gtin: "00614141000012", companyPrefixDigits: 7, serial: 1_000_000 + i * 7919 });
    if (hex.ok) out.push(hex.value);
  }
  return out;
}

/** A mix of what dock portals read: mostly SGTIN-96 items, some SSCC-96 pallets and SGTIN-198 items. */
function mixedEpcs(count: number): string[] {
  const out = sampleEpcs(Math.floor(count * 0.8));
  for (let i = 0; out.length < count; i++) {
    const uri =
      i % 2 === 0
        ? `urn:epc:tag:sscc-96:0.0614141.${String(1_000_000_000 + i).slice(0, 10)}`
        : `urn:epc:tag:sgtin-198:1.0614141.812345.LOT${i}-A/${i % 97}`;
    const hex = encodeEpc(uri);
    if (hex.ok) out.push(hex.value);
  }
  return out;
}

/**
 * EPC decode throughput over a portal-like mix of schemes: hex → fields, GS1
 * key and URIs. Baseline: the bare hex → BigInt conversion of the same EPCs,
 * which every decode starts with.
 */
export const epcDecodeBench: Benchmark = {
  name: "epc-decode",
  description: "EPC decodes per second (80% SGTIN-96, SSCC-96, SGTIN-198) against a bare hex→BigInt conversion",
  run: async () => {
    const epcs = mixedEpcs(10_000);
    if (!epcs.every((hex) => decodeEpc(hex).ok)) throw new Error("epc-decode benchmark data does not decode");
    const value = throughput(epcs, (hex) => decodeEpc(hex));
    const baseline = throughput(epcs, (hex) => BigInt(`0x${hex}`));
    return [withBaseline({ name: "epc-decode", unit: "decodes/s", value, details: { epcs: epcs.length } }, baseline)];
  },
};

/**
 * GS1 barcode parsing: GS1 DataMatrix data (GTIN, expiry, batch, serial)
 * through the AI table, check digits and dates. Baseline: splitting the same
 * strings on the group separator.
 */
export const gs1ParseBench: Benchmark = {
  name: "gs1-parse",
  description: "GS1 DataMatrix element strings parsed and validated per second against a bare split on GS",
  run: async () => {
    const codes = Array.from(
      { length: 1000 },
      (_, i) => `]d201006141410000121727123110B${String(i).padStart(6, "0")}\u001d21S${i}`,
    );
    if (!parseGs1(codes[0] ?? "").ok) throw new Error("gs1-parse benchmark data does not parse");
    const value = throughput(codes, (code) => parseGs1(code));
    const baseline = throughput(codes, (code) => code.split("\u001d"));
    return [withBaseline({ name: "gs1-parse", unit: "parses/s", value }, baseline)];
  },
};

/**
 * Device message parsing: a 50-read tag message through size check, JSON and
 * the zod schema, against JSON.parse alone of the same bytes.
 */
export const readMessageBench: Benchmark = {
  name: "read-message",
  description: "50-read tag messages parsed and validated per second against JSON.parse alone",
  run: async () => {
    const epcs = sampleEpcs(50);
    const payloads = Array.from({ length: 200 }, (_, m) =>
      Buffer.from(
        JSON.stringify({
          reads: epcs.map((epc, i) => ({
            epc,
            antenna: 1 + (i % 2),
            rssi: -40 - ((m + i) % 30),
            readAt: new Date(Date.UTC(2026, 10, 22, 8, 0, m % 60, i)).toISOString(),
          })),
        }),
      ),
    );
    const value = throughput(payloads, (p) => parseDeviceMessage("read", p));
    const baseline = throughput(payloads, (p) => JSON.parse(p.toString("utf8")));
    return [
      withBaseline({ name: "read-message", unit: "messages/s", value, details: { readsPerMessage: 50 } }, baseline),
    ];
  },
};
